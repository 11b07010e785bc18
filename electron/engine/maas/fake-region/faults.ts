/**
 * Fault switches: one-shot (or n-shot) misbehaviours the fake region applies to the requests they match,
 * each the way a real region fails (reference §3.3, §3.4, §6, §8).
 */

export type FaultKind =
  /** Drop the connection (TCP reset) before the chunk is written or committed; nothing changes. */
  | 'reset-before-commit'
  /** Write and commit the chunk, then drop the connection instead of answering. */
  | 'reset-after-commit'
  /** The request runs and is rolled back (serialization retries exhausted): 409, `Retry-After`. */
  | 'conflict'
  /** The request takes `delayMs` more before it commits (the final chunk's sha256 of a big file). It commits even if the client has gone. */
  | 'slow'
  /** nginx gives up after `delayMs` with 504 while the region goes on and commits after `commitDelayMs`. */
  | 'gateway-timeout'
  /** The chunk's first byte is flipped on its way to storage (the final sha256 check then fails). */
  | 'corrupt'
  /** Answer with a fixed status/body (e.g. 503 from a proxy) without reaching the region. */
  | 'status'
  /** The region's clock is `skewSeconds` ahead for this request's OAuth check ("Expired timestamp"). */
  | 'expire-timestamp';

export interface FaultMatch {
  /** Default: `PUT` for upload faults, any method for `status` and `expire-timestamp`. */
  method?: string;
  /** Substring of, or pattern for, the request path. */
  path?: string | RegExp;
  /** Only the PUT that would complete its file (true), or only the others (false). */
  final?: boolean;
  /** The n-th request (1-based) that matches method and path since the fault was injected. */
  nth?: number;
  /** Only PUTs to a file that already holds at least this many bytes. */
  minOffset?: number;
}

export interface FaultSpec {
  kind: FaultKind;
  match?: FaultMatch;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
  /** `conflict`: the `Retry-After` value (MAAS sends 5). */
  retryAfterSeconds?: number;
  /** `slow`: extra time before the commit; `gateway-timeout`: time before the 504. */
  delayMs?: number;
  /** `gateway-timeout`: when the region commits (default: twice `delayMs`). */
  commitDelayMs?: number;
  /** `reset-before-commit`: reset halfway through receiving the body instead of after it. */
  midBody?: boolean;
  /** `status` */
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** `expire-timestamp`. Default 900 (nginx's proxy_read_timeout, as in packer-maas#319). */
  skewSeconds?: number;
}

export interface FaultHandle {
  readonly spec: FaultSpec;
  /** Requests it has been applied to. */
  readonly hits: number;
  /** Requests that matched method and path (counted for `nth`). */
  readonly seen: number;
  remove(): void;
}

export interface FaultContext {
  method: string;
  path: string;
  /** For a PUT to an upload URI: does this chunk complete the file? */
  final?: boolean;
  /** For a PUT to an upload URI: the bytes the file holds before it. */
  offset?: number;
}

const UPLOAD_FAULTS: ReadonlySet<FaultKind> = new Set([
  'reset-before-commit',
  'reset-after-commit',
  'conflict',
  'slow',
  'gateway-timeout',
  'corrupt',
]);

class Fault implements FaultHandle {
  hits = 0;
  seen = 0;
  constructor(
    readonly spec: FaultSpec,
    private readonly owner: FaultController,
  ) {}
  remove(): void {
    this.owner.remove(this);
  }
  get exhausted(): boolean {
    return this.hits >= (this.spec.times ?? 1);
  }
}

export class FaultController {
  private faults: Fault[] = [];

  /** Adds a fault; it applies to the next matching request(s). */
  inject(spec: FaultSpec): FaultHandle {
    const fault = new Fault(spec, this);
    this.faults.push(fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }

  /** Faults that have not been used up. */
  pending(): FaultHandle[] {
    return this.faults.filter((f) => !f.exhausted);
  }

  remove(handle: FaultHandle): void {
    this.faults = this.faults.filter((f) => f !== handle);
  }

  /** The first pending fault among `kinds` that matches the request; it is counted as used. */
  take(ctx: FaultContext, kinds: readonly FaultKind[]): FaultSpec | undefined {
    for (const fault of this.faults) {
      if (fault.exhausted || !kinds.includes(fault.spec.kind)) continue;
      if (!this.matches(fault, ctx)) continue;
      fault.hits++;
      return fault.spec;
    }
    return undefined;
  }

  /** Counts this request for `nth` in every pending fault whose method and path match. */
  observe(ctx: FaultContext): void {
    for (const fault of this.faults) {
      if (!fault.exhausted && this.methodAndPathMatch(fault.spec, ctx)) fault.seen++;
    }
  }

  private methodAndPathMatch(spec: FaultSpec, ctx: FaultContext): boolean {
    const match = spec.match ?? {};
    const method = match.method ?? (UPLOAD_FAULTS.has(spec.kind) ? 'PUT' : undefined);
    if (method && method.toUpperCase() !== ctx.method) return false;
    if (match.path !== undefined) {
      if (typeof match.path === 'string' ? !ctx.path.includes(match.path) : !match.path.test(ctx.path))
        return false;
    }
    return true;
  }

  private matches(fault: Fault, ctx: FaultContext): boolean {
    const match = fault.spec.match ?? {};
    if (!this.methodAndPathMatch(fault.spec, ctx)) return false;
    if (match.nth !== undefined && fault.seen !== match.nth) return false;
    if (match.final !== undefined && ctx.final !== match.final) return false;
    if (match.minOffset !== undefined && (ctx.offset === undefined || ctx.offset < match.minOffset))
      return false;
    return true;
  }
}
