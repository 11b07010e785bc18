import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaasClient } from './api';
import { startFakeRegion, type FakeRegion } from './fake-region/index';
import { ApiKeyFormatError, oauthAuthorizationHeader, parseApiKey, percentEncode } from './oauth';

const KEY = 'AAAAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBB:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC';

describe('parseApiKey', () => {
  it('splits consumer_key:token_key:token_secret and ignores a pasted newline', () => {
    expect(parseApiKey(`${KEY}\n`)).toEqual({
      consumerKey: 'AAAAAAAAAAAAAAAAAA',
      tokenKey: 'BBBBBBBBBBBBBBBBBB',
      tokenSecret: 'CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC',
    });
  });

  it.each([
    ['abc', /three parts separated by colons.*this one has 1 part$/],
    ['a:b', /this one has 2 parts/],
    ['a:b:c:d', /this one has 4 parts/],
    ['a::c', /the token key \(part 2\) of the API key is empty/],
    [':b:c', /the consumer key \(part 1\) of the API key is empty/],
    ['a:b c:d', /token key \(part 2\).*contains a space/],
    ['a:b:é', /token secret \(part 3\).*not printable ASCII/],
  ])('refuses %j clearly', (key, message) => {
    expect(() => parseApiKey(key)).toThrow(ApiKeyFormatError);
    expect(() => parseApiKey(key)).toThrow(message);
  });
});

describe('oauthAuthorizationHeader', () => {
  it("writes PLAINTEXT the way oauthlib (the MAAS CLI, libmaas) does: quoted, encoded, signature '%26<secret>'", () => {
    const header = oauthAuthorizationHeader(parseApiKey(KEY), { nonce: 'n0nce', timestamp: 1746982341 });
    expect(header).toBe(
      'OAuth realm="OAuth", oauth_nonce="n0nce", oauth_timestamp="1746982341", oauth_version="1.0", ' +
        'oauth_signature_method="PLAINTEXT", oauth_consumer_key="AAAAAAAAAAAAAAAAAA", ' +
        'oauth_token="BBBBBBBBBBBBBBBBBB", oauth_signature="%26CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"',
    );
  });

  it('gives every call a fresh nonce and the current time', () => {
    const creds = parseApiKey(KEY);
    const nonces = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const nonce = /oauth_nonce="([^"]+)"/.exec(oauthAuthorizationHeader(creds))?.[1];
      expect(nonce).toMatch(/^[0-9a-f]{32}$/);
      nonces.add(nonce as string);
    }
    expect(nonces.size).toBe(100);
    const ts = Number(/oauth_timestamp="(\d+)"/.exec(oauthAuthorizationHeader(creds))?.[1]);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(5);
  });

  it('percent-encodes per RFC 3986 (a secret with reserved characters is encoded twice, as oauthlib does)', () => {
    expect(percentEncode("a b&c=d/e~f_g.h-i!j'k(l)m*")).toBe('a%20b%26c%3Dd%2Fe~f_g.h-i%21j%27k%28l%29m%2A');
    const header = oauthAuthorizationHeader(
      { consumerKey: 'c', tokenKey: 't', tokenSecret: 's/e' },
      { nonce: 'x', timestamp: 1 },
    );
    expect(header).toContain('oauth_signature="%26s%252Fe"');
  });
});

describe('signing against the fake region', () => {
  let region: FakeRegion;
  beforeAll(async () => {
    region = await startFakeRegion();
  });
  afterAll(() => region.close());

  it('signs each attempt afresh: every request carries a new nonce and none is refused as reused', async () => {
    const client = new MaasClient({ url: region.url, apiKey: region.apiKey });
    const before = region.requests.length;
    for (let i = 0; i < 5; i++) await client.listBootResources();
    client.close();
    const headers = region.requests.slice(before).map((r) => r.authorization ?? '');
    expect(headers).toHaveLength(5);
    expect(new Set(headers.map((h) => /oauth_nonce="([^"]+)"/.exec(h)?.[1])).size).toBe(5);
    expect(region.requests.slice(before).every((r) => r.status === 200)).toBe(true);
  });

  it('is refused with MAAS\'s "Expired timestamp" when the clocks are more than 300 s apart', async () => {
    const client = new MaasClient({
      url: region.url,
      apiKey: region.apiKey,
      now: () => Date.now() - 301_000,
    });
    await expect(client.listBootResources()).rejects.toMatchObject({
      status: 401,
      maasMessage: expect.stringMatching(
        /^Authorization Error: 'Expired timestamp: given \d+ and now \d+, has a greater difference than threshold 300'$/,
      ),
    });
    client.close();
  });
});
