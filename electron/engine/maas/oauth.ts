/**
 * MAAS API keys and OAuth 1.0 PLAINTEXT signing ("0-legged": the consumer secret is always empty).
 *
 * A MAAS API key is `consumer_key:token_key:token_secret`. Every HTTP attempt gets a header of its own
 * (fresh nonce and timestamp), retries included: MAAS rejects a reused nonce and a timestamp older than
 * five minutes, and the body is not signed, so streaming bodies need nothing special.
 */
import { randomUUID } from 'node:crypto';

export interface MaasCredentials {
  consumerKey: string;
  tokenKey: string;
  tokenSecret: string;
}

export class ApiKeyFormatError extends Error {
  override name = 'ApiKeyFormatError';
}

const PART_NAMES = ['consumer key', 'token key', 'token secret'] as const;

/** Parses `consumer_key:token_key:token_secret`; surrounding whitespace (a pasted newline) is ignored. */
export function parseApiKey(apiKey: string): MaasCredentials {
  const parts = apiKey.trim().split(':');
  if (parts.length !== 3) {
    throw new ApiKeyFormatError(
      `a MAAS API key has three parts separated by colons, consumer_key:token_key:token_secret ` +
        `(the UI's API keys page or "maas apikey --username=NAME" shows it); this one has ${parts.length} part${parts.length === 1 ? '' : 's'}`,
    );
  }
  parts.forEach((part, i) => {
    if (part === '')
      throw new ApiKeyFormatError(`the ${PART_NAMES[i]} (part ${i + 1}) of the API key is empty`);
    if (!/^[\x21-\x7e]+$/.test(part)) {
      throw new ApiKeyFormatError(
        `the ${PART_NAMES[i]} (part ${i + 1}) of the API key contains a space or a character that is not printable ASCII`,
      );
    }
  });
  return { consumerKey: parts[0], tokenKey: parts[1], tokenSecret: parts[2] };
}

export function formatApiKey(credentials: MaasCredentials): string {
  return `${credentials.consumerKey}:${credentials.tokenKey}:${credentials.tokenSecret}`;
}

/** What may be shown of a key: the consumer key and a hint of the token, never the secret. */
export function describeApiKey(credentials: MaasCredentials): string {
  return `${credentials.consumerKey}:${credentials.tokenKey.slice(0, 4)}…`;
}

/** RFC 3986 percent-encoding: everything but the unreserved characters `A-Z a-z 0-9 - . _ ~`. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export interface SignatureInputs {
  /** Defaults to a random UUID as 32 hex digits. */
  nonce?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

/**
 * The `Authorization` header for one HTTP attempt, written the way oauthlib (the MAAS CLI and
 * python-libmaas) writes it: quoted, percent-encoded values, signature `%26<token_secret>`.
 */
export function oauthAuthorizationHeader(credentials: MaasCredentials, inputs: SignatureInputs = {}): string {
  const nonce = inputs.nonce ?? randomUUID().replace(/-/g, '');
  const timestamp = inputs.timestamp ?? Math.floor(Date.now() / 1000);
  // PLAINTEXT signature: escape(consumer_secret) & escape(token_secret), the consumer secret being "".
  const signature = `&${percentEncode(credentials.tokenSecret)}`;
  const fields: Array<[string, string]> = [
    ['oauth_nonce', nonce],
    ['oauth_timestamp', String(timestamp)],
    ['oauth_version', '1.0'],
    ['oauth_signature_method', 'PLAINTEXT'],
    ['oauth_consumer_key', credentials.consumerKey],
    ['oauth_token', credentials.tokenKey],
    ['oauth_signature', signature],
  ];
  return `OAuth realm="OAuth", ${fields.map(([k, v]) => `${k}="${percentEncode(v)}"`).join(', ')}`;
}
