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
  const isHtml = file.endsWith('.html');
  res.writeHead(200, {
    'content-type': mimeType(file),
    'cache-control': isHtml ? 'no-store' : 'public, max-age=3600',
    ...headers,
  });
  res.end(body);
}
