/**
 * The WebSocket protocol of the web host: JSON text frames. The renderer sends requests; the host answers
 * each by id and pushes events unasked. (Electron's IPC carries the same payloads on per-verb channels.)
 */
import type { ApiErrorShape, ApiEvent } from './types';

export interface WireRequest {
  id: number;
  method: string;
  input: unknown;
}

export type WireMessage =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: ApiErrorShape }
  | { kind: 'event'; event: ApiEvent }
  /** Several events, in order (the host batches busy streams of events). */
  | { kind: 'events'; events: ApiEvent[] };

/** Sub-path of the host's WebSocket endpoint; the token goes in the `token` query parameter. */
export const WIRE_PATH = '/api';
