/**
 * MAAS's OAuth check (`MAASAPIAuthentication` over piston's `OAuthServer`), reference §1.3–1.4:
 * a header counts as OAuth only if it contains all six `oauth_*` names; then version → consumer →
 * token → timestamp → nonce → signature method → signature, each failure a 401 with MAAS's words.
 */
import { createHmac } from 'node:crypto';
import { pyQuote, pyRepr, pyUnquote } from './python';
import type { FakeToken, FakeUser } from './model';

const MUST_HAVE = [
  'oauth_consumer_key',
  'oauth_token',
  'oauth_signature',
  'oauth_signature_method',
  'oauth_timestamp',
  'oauth_nonce',
];

export const TIMESTAMP_THRESHOLD_SECONDS = 300;

export interface AuthStore {
  consumerExists(consumerKey: string): boolean;
  token(tokenKey: string): FakeToken | undefined;
  /** Records the nonce; true if it had been used before (piston's `lookup_nonce`). */
  useNonce(consumerKey: string, tokenKey: string, nonce: string): boolean;
}

export interface AuthRequest {
  authorization: string | undefined;
  method: string;
  /** scheme://host/path, as Django's `build_absolute_uri` gives it (for HMAC-SHA1). */
  absoluteUrl: string;
  /** Query string and form parameters (they take part in an HMAC-SHA1 signature). */
  params: Array<[string, string]>;
  nowSeconds: number;
}

export type AuthResult =
  | { kind: 'user'; user: FakeUser; token: FakeToken }
  /** Not an OAuth request at all: the handler's challenge answers (401 "Forbidden"). */
  | { kind: 'anonymous' }
  /** 401 `Authorization Error: ...` with `WWW-Authenticate: OAuth realm="OAuth"`. */
  | { kind: 'unauthorized'; message: string }
  /** Something piston does not catch: 500 with `str(exception)`. */
  | { kind: 'crash'; message: string };

class OAuthError extends Error {}

function unauthorized(error: OAuthError): AuthResult {
  // MAASAPIAuthentication turns piston's "Invalid consumer." into a friendlier message.
  const message =
    error.message === 'Invalid consumer.'
      ? 'Authorization Error: Invalid API key.'
      : `Authorization Error: ${pyRepr(error.message)}`;
  return { kind: 'unauthorized', message };
}

/** piston's `OAuthRequest._split_header`. */
function splitHeader(header: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of header.split(',')) {
    if (part.includes('realm')) continue;
    const param = part.trim();
    const eq = param.indexOf('=');
    if (eq < 0) throw new OAuthError('Unable to parse OAuth parameters from Authorization header.');
    params.set(param.slice(0, eq), pyUnquote(param.slice(eq + 1).replace(/^"+|"+$/g, '')));
  }
  return params;
}

export function authenticate(req: AuthRequest, store: AuthStore): AuthResult {
  const header = req.authorization ?? '';
  if (!MUST_HAVE.every((name) => header.includes(name))) return { kind: 'anonymous' };
  try {
    const params = header.startsWith('OAuth ') ? splitHeader(header.slice(6)) : new Map<string, string>();
    const get = (name: string): string => {
      const value = params.get(name);
      if (value === undefined) throw new OAuthError(`Parameter not found: ${name}`);
      return value;
    };
    const version = params.get('oauth_version') ?? '1.0';
    if (version && version !== '1.0') throw new OAuthError(`OAuth version ${version} not supported.`);
    const consumerKey = get('oauth_consumer_key');
    if (!store.consumerExists(consumerKey)) throw new OAuthError('Invalid consumer.');
    const tokenKey = get('oauth_token');
    // piston looks the token up by key alone; it does not check that it belongs to the consumer.
    const token = store.token(tokenKey);
    if (!token) throw new OAuthError(`Invalid access token: ${tokenKey}`);

    const timestampText = get('oauth_timestamp');
    const nonce = get('oauth_nonce');
    if (!/^\s*[+-]?\d+\s*$/.test(timestampText)) {
      return { kind: 'crash', message: `invalid literal for int() with base 10: ${pyRepr(timestampText)}` };
    }
    const timestamp = Number(timestampText);
    if (req.nowSeconds - timestamp > TIMESTAMP_THRESHOLD_SECONDS) {
      throw new OAuthError(
        `Expired timestamp: given ${timestamp} and now ${req.nowSeconds}, has a greater difference than threshold ${TIMESTAMP_THRESHOLD_SECONDS}`,
      );
    }
    if (store.useNonce(consumerKey, tokenKey, nonce)) throw new OAuthError(`Nonce already used: ${nonce}`);

    const method = params.get('oauth_signature_method') ?? 'PLAINTEXT';
    if (method !== 'PLAINTEXT' && method !== 'HMAC-SHA1') {
      throw new OAuthError(
        `Signature method ${method} not supported try one of the following: PLAINTEXT, HMAC-SHA1`,
      );
    }
    const signature = params.get('oauth_signature');
    if (signature === undefined) throw new OAuthError('Missing signature.');
    // The consumer secret is always "" in MAAS.
    const key = `${pyQuote('')}&${pyQuote(token.tokenSecret)}`;
    if (method === 'PLAINTEXT') {
      if (signature !== key)
        throw new OAuthError(`Invalid signature. Expected signature base string: ${key}`);
    } else {
      const base = hmacBaseString(req, params);
      const expected = createHmac('sha1', key).update(base).digest('base64');
      if (signature !== expected)
        throw new OAuthError(`Invalid signature. Expected signature base string: ${base}`);
    }
    return { kind: 'user', user: token.user, token };
  } catch (err) {
    if (err instanceof OAuthError) return unauthorized(err);
    throw err;
  }
}

/** OAuth 1.0 signature base string: METHOD & url & sorted parameters (the signature excluded). */
function hmacBaseString(req: AuthRequest, headerParams: Map<string, string>): string {
  const all: Array<[string, string]> = [...headerParams.entries()].filter(([k]) => k !== 'oauth_signature');
  all.push(...req.params);
  const normalized = all
    .map(([k, v]) => [pyQuote(k), pyQuote(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return [pyQuote(req.method.toUpperCase()), pyQuote(req.absoluteUrl), pyQuote(normalized)].join('&');
}
