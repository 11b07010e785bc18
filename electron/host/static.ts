/** Serves the built renderer's files, and nothing outside its folder. */
import { promises as fs } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function mimeType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The file a URL path names inside root, or undefined when it would escape root. */
export function staticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const rel = normalize(decoded === '/' ? '/index.html' : decoded).replace(/^[/\\]+/, '');
  const full = join(root, rel);
  if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  return full;
}

/**
 * How long the browser may keep a file. The build names everything under assets/ by a hash of its content,
 * so those never change under their name: kept for good, a reopened Kiln reads them from the browser's
 * cache and reuses V8's code cache for them (Monaco is most of the start-up's compile time) instead of
 * compiling them again. index.html is never stored (the token travels with it; it names the current assets).
 * Not compressed: on loopback the bytes cost next to nothing to move, and decompressing Monaco (3.4 MB)
 * costs about 10 ms.
 */
export function cacheControl(urlPath: string, file: string): string {
  if (file.endsWith('.html')) return 'no-store';
  if (urlPath.startsWith('/assets/')) return 'public, max-age=31536000, immutable';
  return 'public, max-age=3600';
}

export async function sendStatic(
  res: ServerResponse,
  root: string,
  urlPath: string,
  headers: Record<string, string>,
): Promise<void> {
  const file = staticPath(root, urlPath);
  const body = file ? await fs.readFile(file).catch(() => undefined) : undefined;
  if (!file || !body) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': mimeType(file),
    'cache-control': cacheControl(urlPath, file),
    ...headers,
  });
  res.end(body);
}
