/**
 * Helpers for tests that use the fake region (Kiln's own and other parts'): raw signed requests, and a
 * check that a stored file is exactly the source, each byte written once.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { oauthAuthorizationHeader, parseApiKey } from '../oauth';
import type { FakeRegion } from './server';

export interface RawResponse {
  status: number;
  reason: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  /** Path below `/MAAS/api/2.0/` (e.g. `boot-resources/`), or an absolute path starting with `/`. */
  path: string;
  /** An API key to sign with; `null` sends no Authorization header. Default: the region's admin key. */
  apiKey?: string | null;
  /** Replaces the signed header. */
  authorization?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Form fields, sent urlencoded. */
  form?: Record<string, string>;
}

/** One HTTP request to the region exactly as given (no retries, no interpretation). */
export function rawRequest(region: FakeRegion, req: RawRequest): Promise<RawResponse> {
  const url = new URL(req.path.startsWith('/') ? req.path : `/MAAS/api/2.0/${req.path}`, region.url);
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  const apiKey = req.apiKey === undefined ? region.apiKey : req.apiKey;
  if (req.authorization !== undefined) headers.Authorization = req.authorization;
  else if (apiKey !== null) headers.Authorization = oauthAuthorizationHeader(parseApiKey(apiKey));
  let body = req.body;
  if (req.form) {
    body = new URLSearchParams(req.form).toString();
    headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
  }
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (payload && headers['Content-Length'] === undefined && headers['Transfer-Encoding'] === undefined) {
    headers['Content-Length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: req.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? '',
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/**
 * What went wrong with a stored file, if anything: its bytes differ from `expected`, or the region's
 * committed writes do not cover it exactly once, in order (a chunk applied twice, or a gap).
 */
export async function storedFileProblems(
  region: FakeRegion,
  fileId: number,
  expected: Buffer,
): Promise<string[]> {
  const problems: string[] = [];
  const info = region.file(fileId);
  if (!info) return [`the region has no file ${fileId}`];
  if (!info.complete) problems.push(`file ${fileId} is not complete (${info.bytes} of ${info.size} bytes)`);
  const stored = await region.readFile(fileId);
  if (!stored.equals(expected)) {
    let at = 0;
    while (at < Math.min(stored.length, expected.length) && stored[at] === expected[at]) at++;
    problems.push(
      `stored bytes differ from the source (sizes ${stored.length}/${expected.length}, first difference at ${at})`,
    );
  }
  let next = 0;
  for (const write of region.writesTo(fileId).filter((w) => w.committed)) {
    if (write.offset !== next) {
      problems.push(
        write.offset < next
          ? `bytes ${write.offset}..${next} were committed twice (write #${write.seq})`
          : `gap: nothing committed at ${next}..${write.offset}`,
      );
    }
    const source = expected.subarray(write.offset, write.offset + write.length);
    if (write.sha256 && createHash('sha256').update(source).digest('hex') !== write.sha256) {
      problems.push(`write #${write.seq} at ${write.offset} does not hold the source's bytes there`);
    }
    next = write.offset + write.length;
  }
  if (next !== expected.length)
    problems.push(`committed writes end at ${next}, the file has ${expected.length} bytes`);
  return problems;
}
