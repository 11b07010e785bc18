/**
 * A client for the part of MAAS's REST API 2.0 that Kiln uses: version, whoami, and boot resources
 * (list, read, create, delete, upload a chunk). Every attempt is signed afresh (OAuth 1.0 PLAINTEXT).
 */
import type { z } from 'zod';
import { KILN_VERSION } from '../version';
import { MaasApiError, MaasConnectionError, MaasProtocolError } from './errors';
import { HttpTransport, type HttpResponse } from './http';
import { oauthAuthorizationHeader, parseApiKey, type MaasCredentials } from './oauth';
import {
  bootResourceListSchema,
  bootResourceSchema,
  maasUserSchema,
  maasVersionSchema,
  regionControllerListSchema,
  type BootResource,
  type BootResourceSummary,
  type CreateBootResourceFields,
  type MaasUser,
  type MaasVersionInfo,
} from './types';

export class RegionUrlError extends Error {
  override name = 'RegionUrlError';
}

/**
 * The region's base URL as `scheme://host:port/MAAS` (no trailing slash). Accepts the API root
 * (`…/MAAS/api/2.0/`) too, and a bare `http://host:5240` (MAAS lives under `/MAAS`).
 */
export function normalizeRegionUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new RegionUrlError(`"${input}" is not a URL; a MAAS region's looks like http://HOST:5240/MAAS`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RegionUrlError(`"${input}": a MAAS region is reached over http or https, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new RegionUrlError(`"${input}": put the API key in the profile, not user:password in the URL`);
  }
  if (url.search || url.hash) {
    throw new RegionUrlError(`"${input}": a region URL has no query or fragment`);
  }
  let path = url.pathname.replace(/\/+$/, '').replace(/\/api\/2\.0$/, '');
  if (path === '') path = '/MAAS';
  return `${url.origin}${path}`;
}

export interface MaasClientOptions {
  /** The region, e.g. `http://maas.example:5240/MAAS`. */
  url: string;
  /** `consumer_key:token_key:token_secret`, or already parsed. */
  apiKey: string | MaasCredentials;
  /** Idle timeout for ordinary requests (ms). Default 60 s. */
  timeoutMs?: number;
  /** Unix time in ms; a test hook. */
  now?: () => number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface SendOptions extends CallOptions {
  query?: Record<string, string>;
  form?: Record<string, string>;
  body?: Uint8Array;
  contentType?: string;
  /** Statuses that count as success. */
  expect: number[];
  /** Sign the request (false only for the anonymous version endpoint). */
  signed?: boolean;
}

export class MaasClient {
  /** `scheme://host:port/MAAS` */
  readonly url: string;
  /** `scheme://host:port/MAAS/api/2.0/` */
  readonly apiUrl: string;
  private readonly credentials: MaasCredentials;
  private readonly transport = new HttpTransport();
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(options: MaasClientOptions) {
    this.url = normalizeRegionUrl(options.url);
    this.apiUrl = `${this.url}/api/2.0/`;
    this.credentials = typeof options.apiKey === 'string' ? parseApiKey(options.apiKey) : options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The region's version and capabilities (anonymous: proves the URL is a MAAS region). */
  async version(options: CallOptions = {}): Promise<MaasVersionInfo> {
    const res = await this.send('GET', 'version/', { ...options, expect: [200], signed: false });
    return this.parse(maasVersionSchema, res, 'GET version/');
  }

  /** The user the API key belongs to (proves the key; says whether it is an admin). */
  async whoami(options: CallOptions = {}): Promise<MaasUser> {
    const res = await this.send('GET', 'users/', { ...options, query: { op: 'whoami' }, expect: [200] });
    return this.parse(maasUserSchema, res, 'GET users/?op=whoami');
  }

  /** Checks the URL, the key and the user's rights in two requests. */
  async testConnection(options: CallOptions = {}): Promise<{ version: MaasVersionInfo; user: MaasUser }> {
    const version = await this.version(options);
    const user = await this.whoami(options);
    return { version, user };
  }

  /**
   * How many region controllers there are. MAAS 3.5+ spreads an upload's `progress` over them, so
   * deriving an offset from it needs this number.
   */
  async regionControllerCount(options: CallOptions = {}): Promise<number> {
    const res = await this.send('GET', 'regioncontrollers/', { ...options, expect: [200] });
    return this.parse(regionControllerListSchema, res, 'GET regioncontrollers/').length;
  }

  async listBootResources(
    options: CallOptions & { type?: 'synced' | 'uploaded' } = {},
  ): Promise<BootResourceSummary[]> {
    const query = options.type ? { type: options.type } : undefined;
    const res = await this.send('GET', 'boot-resources/', { ...options, query, expect: [200] });
    return this.parse(bootResourceListSchema, res, 'GET boot-resources/');
  }

  async readBootResource(id: number, options: CallOptions = {}): Promise<BootResource> {
    const res = await this.send('GET', `boot-resources/${id}/`, { ...options, expect: [200] });
    return this.parse(bootResourceSchema, res, `GET boot-resources/${id}/`);
  }

  /** Creates the resource (or a new set of an existing one) with no content; the file is then PUT in chunks. */
  async createBootResource(
    fields: CreateBootResourceFields,
    options: CallOptions = {},
  ): Promise<BootResource> {
    const form: Record<string, string> = {
      name: fields.name,
      architecture: fields.architecture,
      sha256: fields.sha256,
      size: String(fields.size),
      filetype: fields.filetype ?? 'tgz',
    };
    if (fields.title !== undefined) form.title = fields.title;
    if (fields.base_image !== undefined && fields.base_image !== '') form.base_image = fields.base_image;
    if (fields.keep_old) form.keep_old = 'true';
    const res = await this.send('POST', 'boot-resources/', { ...options, form, expect: [201] });
    return this.parse(bootResourceSchema, res, 'POST boot-resources/');
  }

  async deleteBootResource(id: number, options: CallOptions = {}): Promise<void> {
    await this.send('DELETE', `boot-resources/${id}/`, { ...options, expect: [204] });
  }

  /**
   * PUTs one chunk to a file's `upload_uri` (an absolute path on the region). The region appends it at
   * the bytes it already holds: the request carries no offset, so never resend blindly after a failure.
   */
  async uploadChunk(uploadUri: string, data: Uint8Array, options: CallOptions = {}): Promise<void> {
    await this.send('PUT', this.resolvePath(uploadUri), {
      ...options,
      body: data,
      contentType: 'application/octet-stream',
      expect: [200],
    });
  }

  /** Lets go of kept-alive connections. */
  close(): void {
    this.transport.close();
  }

  private resolvePath(absolutePath: string): URL {
    return new URL(absolutePath, this.url);
  }

  private async send(method: Method, path: string | URL, options: SendOptions): Promise<HttpResponse> {
    const url = typeof path === 'string' ? new URL(path, this.apiUrl) : new URL(path);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    let body = options.body;
    let contentType = options.contentType;
    if (options.form) {
      body = Buffer.from(new URLSearchParams(options.form).toString(), 'utf8');
      contentType = 'application/x-www-form-urlencoded';
    }
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = {
        Accept: 'application/json, text/plain;q=0.9, */*;q=0.1',
        'User-Agent': `kiln/${KILN_VERSION}`,
      };
      if (options.signed !== false) {
        headers.Authorization = oauthAuthorizationHeader(this.credentials, {
          timestamp: Math.floor(this.now() / 1000),
        });
      }
      if (contentType) headers['Content-Type'] = contentType;
      let res: HttpResponse;
      try {
        res = await this.transport.request({
          method,
          url,
          headers,
          body,
          timeoutMs: options.timeoutMs ?? this.timeoutMs,
          signal: options.signal,
        });
      } catch (err) {
        // A kept-alive connection the region closed while idle: safe to retry once for reads.
        if (method === 'GET' && attempt === 1 && err instanceof MaasConnectionError && err.reusedSocket)
          continue;
        throw err;
      }
      if (options.expect.includes(res.status)) return res;
      throw apiError(method, url, res);
    }
  }

  private parse<T>(schema: z.ZodType<T>, res: HttpResponse, what: string): T {
    let data: unknown;
    try {
      data = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new MaasProtocolError(
        `the answer to ${what} is not JSON (${res.headers['content-type'] ?? 'no content type'}): ${res.body.toString('utf8', 0, 200)}`,
      );
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MaasProtocolError(
        `the answer to ${what} is not what MAAS's API documents: ${issue.path.join('.') || '(top)'}: ${issue.message}`,
      );
    }
    return parsed.data;
  }
}

export function apiError(method: string, url: URL, res: HttpResponse): MaasApiError {
  const retryAfter = res.headers['retry-after'];
  const retryAfterSeconds =
    retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
  return new MaasApiError({
    status: res.status,
    statusText: res.statusText,
    method,
    path: `${url.pathname}${url.search}`,
    contentType: res.headers['content-type'] ?? '',
    body: res.body.toString('utf8'),
    retryAfterSeconds,
  });
}
