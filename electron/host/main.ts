/**
 * The web host: Kiln's UI and Api on 127.0.0.1, for a browser and the end-to-end tests. The Api travels over
 * one WebSocket that needs the random token printed at start and an Origin of this very server; HTTP
 * requests must name this server as Host, so a web page elsewhere cannot reach it by DNS rebinding.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatchApiCall } from '../api/dispatch';
import type { ApiEvent } from '../api/types';
import { isStreamControl, STREAM_PATH } from '../api/streams';
import { WIRE_PATH, type WireMessage } from '../api/wire';
import { FileProfileStore, defaultProfilesPath } from '../engine/maas/profiles';
import { contentSecurityPolicy } from './csp';
import { EventBatcher } from './event-batcher';
import { galleryDir as defaultGalleryDir, rendererDir as defaultRendererDir } from './paths';
import type { StreamEnd } from './service/builds/streams';
import { createKilnService, defaultConfigDir, defaultDataDir } from './service/service';
import { sendStatic } from './static';

export interface HostOptions {
  port?: number;
  /** Print the URL with its token. */
  announce?: boolean;
  configDir?: string;
  /** The build history's folder; `<configDir>/data` when only configDir is given (tests). */
  dataDir?: string;
  galleryDir?: string;
  rendererDir?: string;
  /** A fixed token (tests); random otherwise. */
  token?: string;
}

export interface RunningHost {
  /** The URL to open, token included. */
  url: string;
  /** The server's origin, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  token: string;
  close(): Promise<void>;
}

const MAX_MESSAGE = 40 * 1024 * 1024;

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererRoot = options.rendererDir ?? defaultRendererDir();
  const sockets = new Set<WebSocket>();
  const batcher = new EventBatcher((events) => {
    const frame = JSON.stringify(
      (events.length === 1
        ? { kind: 'event', event: events[0] }
        : { kind: 'events', events }) satisfies WireMessage,
    );
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(frame);
  });
  const broadcast = (event: ApiEvent) => batcher.push(event);
  const configDir = options.configDir ?? defaultConfigDir();
  // No keychain here: keys live in the CLI's own 0600 file (in the given config folder for tests).
  const profilesFile = options.configDir
    ? join(options.configDir, 'maas-profiles.json')
    : defaultProfilesPath();
  const service = createKilnService({
    platform: 'web',
    configDir,
    dataDir: options.dataDir ?? (options.configDir ? join(options.configDir, 'data') : defaultDataDir()),
    galleryDir: options.galleryDir ?? defaultGalleryDir(),
    maasProfiles: {
      store: new FileProfileStore(profilesFile),
      storage: {
        kind: 'file',
        detail: profilesFile,
        warning: `Kiln in a browser has no access to your keychain: MAAS API keys are kept in ${profilesFile}, readable only by you (mode 0600), the file the kiln command line uses.`,
      },
    },
    emit: broadcast,
  });

  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const securityHeaders = () => ({
    'content-security-policy': contentSecurityPolicy({
      connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`],
    }),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-frame-options': 'DENY',
  });

  const server = createServer((req, res) => {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('wrong Host\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://host').pathname;
    void sendStatic(res, rendererRoot, path, securityHeaders());
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  const refuse = (socket: Duplex, status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (
      (url.pathname !== WIRE_PATH && url.pathname !== STREAM_PATH) ||
      !allowedHosts().has(req.headers.host ?? '')
    )
      return refuse(socket, '404 Not Found');
    if (!allowedOrigins().has(req.headers.origin ?? '')) return refuse(socket, '403 Forbidden');
    if (!sameToken(url.searchParams.get('token'), token)) return refuse(socket, '401 Unauthorized');
    if (url.pathname === STREAM_PATH)
      return acceptStream(req, socket, head, url.searchParams.get('id') ?? '');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data, isBinary) => {
        if (isBinary) return ws.close(1003, 'text frames only');
        void answer(ws, data.toString());
      });
    });
  });

  /** A console stream: binary frames are bytes both ways, text frames the few control messages. */
  const acceptStream = (req: IncomingMessage, socket: Duplex, head: Buffer, id: string) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      let end: StreamEnd | undefined;
      const control = (message: object) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      };
      end = service.streams.claim(id, {
        data: (bytes) => {
          if (ws.readyState === ws.OPEN) ws.send(bytes, { binary: true });
        },
        closed: (reason) => {
          control({ kind: 'closed', reason });
          ws.close(1000);
        },
      });
      if (!end) {
        control({ kind: 'closed', reason: 'This console stream is unknown or has expired; open it again.' });
        ws.close(1008);
        return;
      }
      ws.on('message', (data, isBinary) => {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        if (isBinary) return end?.input(bytes);
        let message: unknown;
        try {
          message = JSON.parse(bytes.toString('utf8'));
        } catch {
          return ws.close(1007, 'not JSON');
        }
        if (isStreamControl(message) && message.kind === 'resize') end?.resize(message.cols, message.rows);
      });
      ws.on('close', () => {
        sockets.delete(ws);
        end?.close();
        end = undefined;
      });
    });
  };

  const answer = async (ws: WebSocket, text: string) => {
    let request: { id?: unknown; method?: unknown; input?: unknown };
    try {
      request = JSON.parse(text);
    } catch {
      return ws.close(1007, 'not JSON');
    }
    const id = typeof request?.id === 'number' ? request.id : -1;
    const result = await dispatchApiCall(service, request?.method, request?.input);
    if (ws.readyState !== ws.OPEN) return;
    const reply: WireMessage = result.ok
      ? { kind: 'result', id, value: result.value }
      : { kind: 'error', id, error: result.error };
    ws.send(JSON.stringify(reply));
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const url = `${origin}/?token=${token}`;
  if (options.announce) console.log(`Kiln is serving its UI at ${url}`);

  return {
    url,
    origin,
    token,
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      await service.dispose();
      batcher.dispose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
