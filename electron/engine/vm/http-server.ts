/**
 * The build's HTTP server for the guest (packer-plugin-sdk StepHTTPServer): `http_directory` served
 * with the semantics of Go's http.FileServer(http.Dir(dir)) — index.html, directory listings,
 * redirects for missing or extra trailing slashes, `/index.html` → `./`, Range requests,
 * If-Modified-Since, HEAD — or `http_content` served from memory with Packer's MapServer answers
 * (`<path> not found.` plus ` Did you mean "<x>"?` for a close name).
 */
import { createReadStream, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join, posix } from 'node:path';
import { nameSuggestion } from '../template/schema/go';

export type HttpSource = { directory: string } | { content: Readonly<Record<string, string>> };

export interface HttpRequestLog {
  method: string;
  path: string;
  status: number;
}

/** Go's path.Clean for a URL path (always rooted). */
export function cleanPath(p: string): string {
  const rooted = p.startsWith('/') ? p : `/${p}`;
  const cleaned = posix.normalize(rooted).replace(/\/+$/, '');
  return cleaned === '' ? '/' : cleaned;
}

/** Go's http.Error: text/plain, nosniff, the message and a newline. */
function httpError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(`${message}\n`);
}

const MIME: Record<string, string> = {
  '.avif': 'image/avif',
  '.css': 'text/css; charset=utf-8',
  '.gif': 'image/gif',
  '.htm': 'text/html; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.mjs': 'text/javascript; charset=utf-8',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.webp': 'image/webp',
  '.xml': 'text/xml; charset=utf-8',
  '.iso': 'application/octet-stream',
};

/** A small subset of Go's http.DetectContentType (the signatures installer files run into). */
export function sniffContentType(head: Buffer): string {
  // Go skips leading white space: tab, newline, form feed, carriage return, space.
  const text = head
    .toString('latin1')
    .replace(/^[\t\n\f\r ]+/, '')
    .toLowerCase();
  if (/^<!doctype html|^<html|^<head|^<body|^<script|^<title|^<!--/.test(text))
    return 'text/html; charset=utf-8';
  if (text.startsWith('<?xml')) return 'text/xml; charset=utf-8';
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'application/x-gzip';
  if (head.subarray(0, 4).toString('latin1') === 'PK\x03\x04') return 'application/zip';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  for (const byte of head) {
    if (byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f)) {
      return 'application/octet-stream';
    }
  }
  return 'text/plain; charset=utf-8';
}

function htmlEscape(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!,
  );
}

/** Go's localRedirect: a relative Location, 301. */
function localRedirect(res: ServerResponse, req: IncomingMessage, target: string): void {
  const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
  res.writeHead(301, { Location: target + query });
  res.end();
}

function notModified(req: IncomingMessage, mtime: Date): boolean {
  const since = req.headers['if-modified-since'];
  if (!since || req.headers['if-none-match']) return false;
  const t = Date.parse(since);
  return !Number.isNaN(t) && Math.floor(mtime.getTime() / 1000) <= Math.floor(t / 1000);
}

/** Parses a single `bytes=a-b` range against a size; undefined = serve all, null = unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined | null {
  if (!header || !header.startsWith('bytes=')) return undefined;
  const specs = header.slice(6).split(',');
  // Multi-range answers (multipart/byteranges) are rare for installers: Kiln serves the first range.
  const spec = specs[0].trim();
  const [a, b] = spec.split('-');
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (!Number.isFinite(n) || b === '') return null;
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (!Number.isFinite(start) || !Number.isFinite(end) || start > end) return null;
  }
  if (start >= size) return null;
  return { start, end };
}

async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  st: Stats,
  head: boolean,
): Promise<void> {
  if (notModified(req, st.mtime)) {
    res.writeHead(304);
    res.end();
    return;
  }
  let type = MIME[posix.extname(path).toLowerCase()];
  if (!type) {
    const fh = await fsp.open(path, 'r');
    try {
      const buf = Buffer.alloc(512);
      const { bytesRead } = await fh.read(buf, 0, 512, 0);
      type = sniffContentType(buf.subarray(0, bytesRead));
    } finally {
      await fh.close();
    }
  }
  const headers: Record<string, string | number> = {
    'Accept-Ranges': 'bytes',
    'Content-Type': type,
    'Last-Modified': st.mtime.toUTCString(),
  };
  const range = parseRange(req.headers.range, st.size);
  if (range === null) {
    res.writeHead(416, {
      'Content-Range': `bytes */${st.size}`,
      'Content-Type': 'text/plain; charset=utf-8',
    });
    res.end('invalid range: failed to overlap\n');
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? st.size - 1;
  headers['Content-Length'] = st.size === 0 ? 0 : end - start + 1;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (head || st.size === 0) {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(path, { start, end });
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res);
  });
}

async function serveDirectoryListing(
  req: IncomingMessage,
  res: ServerResponse,
  dir: string,
  st: Stats,
  head: boolean,
): Promise<void> {
  if (notModified(req, st.mtime)) {
    res.writeHead(304);
    res.end();
    return;
  }
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const names = entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort();
  let body = '<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n';
  for (const name of names) {
    const href =
      encodeURIComponent(name.replace(/\/$/, '')).replace(/%2F/gi, '/') + (name.endsWith('/') ? '/' : '');
    body += `<a href="${htmlEscape(href)}">${htmlEscape(name)}</a>\n`;
  }
  body += '</pre>\n';
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Last-Modified': st.mtime.toUTCString() });
  res.end(head ? undefined : body);
}

/** http.FileServer(http.Dir(root)). */
export async function serveDirectory(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<number> {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) {
    // Go's FileServer serves any method; only GET and HEAD make sense for a guest.
  }
  const rawPath = (req.url ?? '/').split('?')[0];
  let urlPath: string;
  try {
    urlPath = decodeURIComponent(rawPath.startsWith('/') ? rawPath : `/${rawPath}`);
  } catch {
    httpError(res, 400, '400 Bad Request');
    return 400;
  }
  if (urlPath.includes('\0')) {
    httpError(res, 404, '404 page not found');
    return 404;
  }
  if (urlPath.endsWith('/index.html')) {
    localRedirect(res, req, './');
    return 301;
  }
  const name = cleanPath(urlPath);
  const fsPath = join(root, ...name.split('/').filter(Boolean));
  let st: Stats;
  try {
    st = await fsp.stat(fsPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      httpError(res, 403, '403 Forbidden');
      return 403;
    }
    httpError(res, 404, '404 page not found');
    return 404;
  }
  if (st.isDirectory()) {
    if (!urlPath.endsWith('/')) {
      localRedirect(res, req, `${posix.basename(urlPath)}/`);
      return 301;
    }
    const index = join(fsPath, 'index.html');
    try {
      const ist = await fsp.stat(index);
      if (ist.isFile()) {
        await serveFile(req, res, index, ist, head);
        return 200;
      }
    } catch {
      // No index: list the folder.
    }
    await serveDirectoryListing(req, res, fsPath, st, head);
    return 200;
  }
  if (urlPath.endsWith('/')) {
    localRedirect(res, req, `../${posix.basename(name)}`);
    return 301;
  }
  await serveFile(req, res, fsPath, st, head);
  return res.statusCode;
}

/** MapServer.ServeHTTP. */
export function serveContent(
  content: Readonly<Record<string, string>>,
  req: IncomingMessage,
  res: ServerResponse,
): number {
  const rawPath = (req.url ?? '/').split('?')[0];
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    decoded = rawPath;
  }
  const path = cleanPath(decoded);
  const body = Object.prototype.hasOwnProperty.call(content, path) ? content[path] : undefined;
  if (body === undefined) {
    let message = `${path} not found.`;
    const suggestion = nameSuggestion(path, Object.keys(content).sort());
    if (suggestion) message += ` Did you mean ${JSON.stringify(suggestion)}?`;
    httpError(res, 404, message);
    return 404;
  }
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(200, {
    'Content-Type': sniffContentType(bytes.subarray(0, 512)),
    'Content-Length': bytes.length,
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
  return 200;
}

export interface StartedHttpServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Serves a source on an already listening server (the port finder's). */
export function attachHandler(
  server: Server,
  source: HttpSource,
  onRequest?: (log: HttpRequestLog) => void,
): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const done = (status: number) =>
      onRequest?.({ method: req.method ?? 'GET', path: req.url ?? '/', status });
    if ('directory' in source) {
      serveDirectory(source.directory, req, res).then(done, () => {
        if (!res.headersSent) httpError(res, 500, '500 Internal Server Error');
        else res.destroy();
        done(500);
      });
    } else done(serveContent(source.content, req, res));
  });
}

/** An http.Server that serves a source (the listener comes from findPort with keepListening). */
export function httpServer(source: HttpSource, onRequest?: (log: HttpRequestLog) => void): Server {
  const server = createServer({ keepAlive: true });
  attachHandler(server, source, onRequest);
  return server;
}
