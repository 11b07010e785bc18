/**
 * Events go to the UI in small batches: a build printing thousands of lines a second would otherwise be
 * thousands of WebSocket frames or IPC messages a second, each a task for the renderer. A batch leaves at
 * most `delayMs` after its first event (or at `max` events), in order; the events themselves are unchanged.
 */
import type { ApiEvent } from '../api/types';

export class EventBatcher {
  private queue: ApiEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (events: ApiEvent[]) => void,
    private readonly delayMs = 10,
    private readonly max = 500,
  ) {}

  push(event: ApiEvent): void {
    this.queue.push(event);
    if (this.queue.length >= this.max) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const events = this.queue;
    this.queue = [];
    this.send(events);
  }

  dispose(): void {
    this.flush();
  }
}
