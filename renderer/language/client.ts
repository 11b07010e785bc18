/**
 * The UI side of the language worker: starts it, forwards document changes, answers its requests for
 * files through the Api, and turns requests into promises. Check results go to one listener.
 *
 * The worker starts on `start()` (or the first request), not with the client: compiling its half-megabyte
 * script and running the first check of a large template take CPU the opening editor needs on a 2-core
 * machine, so the session starts it once the opened workspace has painted. Messages posted before wait in
 * order.
 */
import type { KilnApi } from '../../electron/api/types';
import type { PipelineModel } from '../../electron/engine/template/language/types';
import type { CheckResult, FromWorker, LanguageRequest, LanguageResults, ToWorker } from './protocol';
import LanguageWorker from './worker?worker';

export type CheckListener = (result: CheckResult) => void;
export type PipelineListener = (pipeline: PipelineModel | null, versions: Record<string, number>) => void;

export class LanguageClient {
  private worker: Worker | undefined;
  private readonly queued: ToWorker[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private workspaceId: string | undefined;

  constructor(
    private readonly api: KilnApi,
    private readonly onChecked: CheckListener,
    private readonly onPipeline: PipelineListener,
  ) {}

  /** Starts the worker, once, and hands it what was posted so far. */
  start(): void {
    if (this.worker) return;
    const worker = new LanguageWorker();
    worker.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
    worker.onerror = (ev) => {
      for (const p of this.pending.values()) p.reject(new Error(`language worker failed: ${ev.message}`));
      this.pending.clear();
    };
    this.worker = worker;
    for (const message of this.queued.splice(0)) worker.postMessage(message);
  }

  /** Which workspace files are fetched from (set when a workspace opens). */
  setWorkspace(id: string | undefined): void {
    this.workspaceId = id;
  }

  post(message: ToWorker): void {
    if (this.worker) this.worker.postMessage(message);
    else this.queued.push(message);
  }

  request<K extends LanguageRequest['kind']>(
    request: Extract<LanguageRequest, { kind: K }>,
  ): Promise<LanguageResults[K]> {
    const id = this.nextId++;
    // Someone is waiting for the answer: no reason to wait any longer.
    this.start();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ type: 'request', id, request });
    });
  }

  dispose(): void {
    this.worker?.terminate();
    this.queued.length = 0;
    for (const p of this.pending.values()) p.reject(new Error('language worker stopped'));
    this.pending.clear();
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'checked':
        this.onChecked(message);
        return;
      case 'pipeline':
        this.onPipeline(message.pipeline, message.versions);
        return;
      case 'need':
        void this.fetchFiles(message.files);
        void this.statPaths(message.stats);
        return;
      case 'response': {
        const waiter = this.pending.get(message.id);
        if (!waiter) return;
        this.pending.delete(message.id);
        if (message.ok) waiter.resolve(message.result);
        else waiter.reject(new Error(message.error));
      }
    }
  }

  private async statPaths(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    const workspaceId = this.workspaceId;
    const kinds = await this.api.statPaths({ paths }).catch(() => undefined);
    if (this.workspaceId !== workspaceId) return;
    for (const path of paths) this.post({ type: 'stat', path, kind: kinds?.[path] ?? null });
  }

  private async fetchFiles(paths: string[]): Promise<void> {
    const workspaceId = this.workspaceId;
    if (!workspaceId) return;
    await Promise.all(
      paths.map(async (path) => {
        const content = await this.api.readFile({ workspaceId, path }).catch(() => null);
        if (this.workspaceId === workspaceId) this.post({ type: 'file', path, text: content?.text ?? null });
      }),
    );
  }
}
