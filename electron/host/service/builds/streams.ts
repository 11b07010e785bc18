/**
 * Console streams between a build and the UI. `openStream` makes a stream and offers it under a random
 * id; the transport that carries it (Electron's MessagePort, the web host's WebSocket) claims it within
 * a few seconds and plugs in its peer. Bytes flow both ways; the UI sends its terminal size, the hub
 * says why a stream ended.
 */
import { randomBytes } from 'node:crypto';

/** How the hub reaches the UI's end of a stream. */
export interface StreamPeer {
  data(bytes: Uint8Array): void;
  closed(reason: string): void;
}

/** How the transport reaches the build's end. */
export interface StreamEnd {
  input(data: Uint8Array): void;
  resize(cols: number, rows: number): void;
  /** The UI closed it (the tab, the window, the connection). */
  close(): void;
}

export type StreamOpener = (peer: StreamPeer) => StreamEnd;

const CLAIM_MS = 15_000;

export class StreamHub {
  private readonly offered = new Map<string, { open: StreamOpener; expire: NodeJS.Timeout; drop(): void }>();
  private readonly active = new Set<StreamEnd>();

  /** Offers a stream; `drop` runs when nobody claims it in time (to free what it holds). */
  offer(open: StreamOpener, drop: () => void = () => undefined): string {
    const id = randomBytes(18).toString('base64url');
    const expire = setTimeout(() => {
      if (this.offered.delete(id)) drop();
    }, CLAIM_MS);
    expire.unref?.();
    this.offered.set(id, { open, expire, drop });
    return id;
  }

  /** Claims an offered stream once; undefined for an unknown, expired or already claimed id. */
  claim(id: string, peer: StreamPeer): StreamEnd | undefined {
    const offer = this.offered.get(id);
    if (!offer) return undefined;
    this.offered.delete(id);
    clearTimeout(offer.expire);
    const end = offer.open(peer);
    const tracked: StreamEnd = {
      input: (d) => end.input(d),
      resize: (c, r) => end.resize(c, r),
      close: () => {
        if (this.active.delete(tracked)) end.close();
      },
    };
    this.active.add(tracked);
    return tracked;
  }

  dispose(): void {
    for (const o of this.offered.values()) {
      clearTimeout(o.expire);
      o.drop();
    }
    this.offered.clear();
    for (const end of [...this.active]) end.close();
  }
}

/**
 * A build's serial console: the newest bytes kept for whoever attaches later (a terminal opened
 * mid-build starts with the recent screen), and every live peer fed as bytes arrive.
 */
export class SerialFeed {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private readonly peers = new Set<StreamPeer>();
  private endedReason: string | undefined;

  constructor(private readonly keep = 1024 * 1024) {}

  push(data: Uint8Array): void {
    this.chunks.push(data);
    this.size += data.byteLength;
    while (this.size - this.chunks[0].byteLength >= this.keep) this.size -= this.chunks.shift()!.byteLength;
    for (const p of this.peers) p.data(data);
  }

  /** The bytes kept, oldest first. */
  snapshot(): Uint8Array {
    return Buffer.concat(this.chunks);
  }

  attach(peer: StreamPeer): () => void {
    const kept = this.snapshot();
    if (kept.byteLength) peer.data(kept);
    if (this.endedReason !== undefined) {
      peer.closed(this.endedReason);
      return () => undefined;
    }
    this.peers.add(peer);
    return () => this.peers.delete(peer);
  }

  end(reason: string): void {
    this.endedReason = reason;
    for (const p of this.peers) p.closed(reason);
    this.peers.clear();
  }
}
