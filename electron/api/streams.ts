/**
 * How console streams travel. Bytes go as binary (a WebSocket's binary frames, or Uint8Arrays on a
 * MessagePort); the few control messages as `StreamControl`: the terminal's size one way, the end the
 * other. Kept free of imports so the sandboxed preload can use the constants.
 */

export type StreamControl =
  { kind: 'resize'; cols: number; rows: number } | { kind: 'closed'; reason: string };

/** What a MessagePort carries (Electron). */
export type PortMessage = { kind: 'data'; data: Uint8Array } | StreamControl;

/** The web host's stream endpoint: `ws://…/stream?token=…&id=<streamId>`. */
export const STREAM_PATH = '/stream';

/** Electron: the main process hands the renderer each stream's port on this channel. */
export const IPC_STREAM_CHANNEL = 'kiln:stream-port';

/** Electron: the preload passes a port on to the page in a window message of this shape. */
export interface StreamPortMessage {
  kilnStream: string;
}

export function isStreamControl(value: unknown): value is StreamControl {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.kind === 'resize') return Number.isInteger(v.cols) && Number.isInteger(v.rows);
  return v.kind === 'closed' && typeof v.reason === 'string';
}
