/**
 * Errors from talking to a MAAS region. Each carries MAAS's own words (`maasMessage`) so a person sees
 * what the region said, never a stack trace.
 */

export class MaasError extends Error {
  override name = 'MaasError';
}

/** The region answered, with a status that is not the one the call expects. */
export class MaasApiError extends MaasError {
  override name = 'MaasApiError';
  readonly status: number;
  readonly statusText: string;
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  /** The body as text, unchanged. */
  readonly body: string;
  /** MAAS's message, readable: the text body, the field errors of a JSON body, or an HTML page's title. */
  readonly maasMessage: string;
  /** Form validation errors (`{"field": ["message", ...]}`) when MAAS sent them. */
  readonly fieldErrors?: Record<string, string[]>;
  /** Seconds, from a `Retry-After` header. */
  readonly retryAfterSeconds?: number;

  constructor(init: {
    status: number;
    statusText: string;
    method: string;
    path: string;
    contentType: string;
    body: string;
    retryAfterSeconds?: number;
  }) {
    const fieldErrors = parseFieldErrors(init.contentType, init.body);
    const maasMessage = fieldErrors
      ? Object.entries(fieldErrors)
          .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
          .join('; ')
      : readableBody(init.contentType, init.body, init.status, init.statusText);
    super(`MAAS answered ${init.status} ${init.statusText} to ${init.method} ${init.path}: ${maasMessage}`);
    this.status = init.status;
    this.statusText = init.statusText;
    this.method = init.method;
    this.path = init.path;
    this.contentType = init.contentType;
    this.body = init.body;
    this.maasMessage = maasMessage;
    this.fieldErrors = fieldErrors;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** No answer: the connection failed, was reset, or the request timed out. */
export class MaasConnectionError extends MaasError {
  override name = 'MaasConnectionError';
  readonly code?: string;
  readonly method: string;
  readonly url: string;
  /** The request went out on a kept-alive connection (which the server may have closed meanwhile). */
  readonly reusedSocket: boolean;
  constructor(
    message: string,
    init: { code?: string; method: string; url: string; cause?: unknown; reusedSocket?: boolean },
  ) {
    super(message, { cause: init.cause });
    this.code = init.code;
    this.method = init.method;
    this.url = init.url;
    this.reusedSocket = init.reusedSocket ?? false;
  }
}

export class MaasTimeoutError extends MaasConnectionError {
  override name = 'MaasTimeoutError';
  readonly timeoutMs: number;
  constructor(init: { method: string; url: string; timeoutMs: number }) {
    super(`${init.method} ${init.url}: no answer within ${formatDuration(init.timeoutMs)}`, {
      code: 'ETIMEDOUT',
      method: init.method,
      url: init.url,
    });
    this.timeoutMs = init.timeoutMs;
  }
}

/** The region answered something that is not what the API documents (not JSON, wrong shape). */
export class MaasProtocolError extends MaasError {
  override name = 'MaasProtocolError';
}

/** An upload that cannot finish; `cause` holds the region's answer when there was one. */
export class MaasUploadError extends MaasError {
  override name = 'MaasUploadError';
}

function parseFieldErrors(contentType: string, body: string): Record<string, string[]> | undefined {
  if (!/^application\/json/i.test(contentType)) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed as Record<string, unknown>);
    if (entries.length === 0) return undefined;
    const result: Record<string, string[]> = {};
    for (const [field, value] of entries) {
      if (!Array.isArray(value) || !value.every((m) => typeof m === 'string')) return undefined;
      result[field] = value as string[];
    }
    return result;
  } catch {
    return undefined;
  }
}

function readableBody(contentType: string, body: string, status: number, statusText: string): string {
  const text = body.trim();
  // piston sends OAuth errors as plain words under Django's default text/html type: go by the body.
  if (/^<(!doctype|html|\?xml)/i.test(text) || (/^text\/html/i.test(contentType) && text.startsWith('<'))) {
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    const heading = /<h[12][^>]*>([^<]*)<\/h[12]>/i.exec(text)?.[1]?.trim();
    return heading || title || `${status} ${statusText}`;
  }
  if (text === '') return `${status} ${statusText}`;
  return redactSecrets(text);
}

/**
 * A wrong token secret makes piston's OAuth server answer "Invalid signature. Expected signature base
 * string: &<the right secret>"; keep that secret off screens and logs.
 */
export function redactSecrets(text: string): string {
  return text.replace(/(Expected signature base string: )[^'"\n]*/g, '$1[redacted]');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  return `${Math.round(s / 60)} min`;
}
