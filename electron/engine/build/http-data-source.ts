/**
 * Packer's `http` data source, run at build time: request the URL, insist on a 2xx answer, and warn (as
 * Packer does) when the body does not look like text.
 */
import type { HttpDataSourceConfig } from '../template/schema/index';
import type { HttpDataOutput } from '../template/hcl2/data-values';

/** Packer's isContentTypeText: text/*, JSON or SAML metadata, in UTF-8 or ASCII if a charset is named. */
export function isTextContentType(contentType: string): boolean {
  const [type = '', ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (!/^(text\/.+|application\/json|application\/samlmetadata\+xml.*)$/.test(type)) return false;
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"|"$/g, '');
  return charset === undefined || charset === '' || charset === 'utf-8' || charset === 'us-ascii';
}

/** Go's canonical header key: `content-type` → `Content-Type`. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
}

export class DataSourceError extends Error {}

export async function runHttpDataSource(
  config: HttpDataSourceConfig,
  options: { signal?: AbortSignal; warn: (line: string) => void },
): Promise<HttpDataOutput> {
  const method = config.method || 'GET';
  const withBody = config.request_body !== '';
  if (withBody && (method === 'GET' || method === 'HEAD')) {
    throw new DataSourceError(`a request_body cannot be sent with ${method}; use POST, PUT or PATCH`);
  }
  let response: Response;
  try {
    response = await fetch(config.url, {
      method,
      headers: config.request_headers,
      ...(withBody ? { body: config.request_body } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    const cause = (err as Error & { cause?: Error }).cause;
    throw new DataSourceError(`${method} ${config.url}: ${cause?.message ?? (err as Error).message}`);
  }
  if (response.status < 200 || response.status >= 300) {
    await response.body?.cancel();
    throw new DataSourceError(`HTTP request error. Response code: ${response.status}`);
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType === '' || !isTextContentType(contentType)) {
    options.warn(`Content-Type is not recognized as a text type, got "${contentType}"`);
    options.warn(
      'If the content is binary data, Packer may not properly handle the contents of the response.',
    );
  }
  const body = await response.text();
  const responseHeaders: Record<string, string> = {};
  // fetch joins repeated headers with ", " (RFC 2616), as Packer does; Set-Cookie stays one per line.
  response.headers.forEach((value, name) => {
    responseHeaders[canonicalHeaderName(name)] = value;
  });
  return { url: config.url, body, responseHeaders };
}
