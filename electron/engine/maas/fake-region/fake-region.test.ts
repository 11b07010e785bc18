/**
 * The fake region answers as `maas-boot-resources-api.md` (and MAAS's source) says, to the status code,
 * content type and message: these tests pin that down with raw HTTP.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MaasClient } from '../api';
import { MaasApiError } from '../errors';
import { oauthAuthorizationHeader, parseApiKey } from '../oauth';
import { startFakeRegion, type FakeRegion } from './index';
import { rawRequest } from './testing';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const FIXED_NOW = Date.UTC(2025, 2, 1, 12, 0, 0);
const TODAY = '20250301';

async function create(region: FakeRegion, fields: Record<string, string>, apiKey?: string) {
  return rawRequest(region, { method: 'POST', path: 'boot-resources/', form: fields, apiKey });
}

function uploadUriOf(body: string): string {
  const parsed = JSON.parse(body) as {
    sets: Record<string, { files: Record<string, { upload_uri?: string }> }>;
  };
  const sets = Object.values(parsed.sets);
  const newest = sets[sets.length - 1];
  return Object.values(newest.files)[0].upload_uri as string;
}

describe('authentication (reference §1.3–1.4)', () => {
  let region: FakeRegion;
  beforeAll(async () => {
    region = await startFakeRegion();
  });
  afterAll(() => region.close());

  it('no Authorization header: 401 "Forbidden" (piston rc.FORBIDDEN), text/plain, no WWW-Authenticate', async () => {
    const res = await rawRequest(region, { path: 'boot-resources/', apiKey: null });
    expect(res.status).toBe(401);
    expect(res.body).toBe('Forbidden');
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.headers['x-maas-api-hash']).toBeDefined();
  });

  it('a header missing one of the six oauth_* names counts as anonymous', async () => {
    const header = oauthAuthorizationHeader(parseApiKey(region.apiKey)).replace(/, oauth_nonce="[^"]*"/, '');
    const res = await rawRequest(region, { path: 'boot-resources/', authorization: header });
    expect([res.status, res.body]).toEqual([401, 'Forbidden']);
  });

  it('unknown consumer key: "Authorization Error: Invalid API key." with WWW-Authenticate', async () => {
    const res = await rawRequest(region, { path: 'boot-resources/', apiKey: 'nope:nope:nope' });
    expect(res.status).toBe(401);
    expect(res.body).toBe('Authorization Error: Invalid API key.');
    expect(res.headers['www-authenticate']).toBe('OAuth realm="OAuth"');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('unknown token: "Authorization Error: \'Invalid access token: <token>\'"', async () => {
    const [consumer] = region.apiKey.split(':');
    const res = await rawRequest(region, {
      path: 'boot-resources/',
      apiKey: `${consumer}:WRONGTOKEN:secret`,
    });
    expect([res.status, res.body]).toEqual([401, "Authorization Error: 'Invalid access token: WRONGTOKEN'"]);
  });

  it('wrong secret: "Invalid signature" (the client keeps the expected secret off screens)', async () => {
    const [consumer, token] = region.apiKey.split(':');
    const res = await rawRequest(region, { path: 'boot-resources/', apiKey: `${consumer}:${token}:wrong` });
    expect(res.status).toBe(401);
    expect(res.body).toMatch(
      /^Authorization Error: 'Invalid signature\. Expected signature base string: &\w+'$/,
    );
    const client = new MaasClient({ url: region.url, apiKey: `${consumer}:${token}:wrong` });
    const err = await client.listBootResources().catch((e: unknown) => e);
    client.close();
    expect(err).toBeInstanceOf(MaasApiError);
    expect((err as MaasApiError).maasMessage).toBe(
      "Authorization Error: 'Invalid signature. Expected signature base string: [redacted]'",
    );
  });

  it('a reused nonce: "Nonce already used"', async () => {
    const header = oauthAuthorizationHeader(parseApiKey(region.apiKey), { nonce: 'once' });
    expect((await rawRequest(region, { path: 'boot-resources/', authorization: header })).status).toBe(200);
    const res = await rawRequest(region, { path: 'boot-resources/', authorization: header });
    expect([res.status, res.body]).toEqual([401, "Authorization Error: 'Nonce already used: once'"]);
  });

  it('checks the version, then the signature method', async () => {
    const good = oauthAuthorizationHeader(parseApiKey(region.apiKey));
    let res = await rawRequest(region, {
      path: 'boot-resources/',
      authorization: good.replace('oauth_version="1.0"', 'oauth_version="2.0"'),
    });
    expect(res.body).toBe("Authorization Error: 'OAuth version 2.0 not supported.'");
    res = await rawRequest(region, {
      path: 'boot-resources/',
      authorization: oauthAuthorizationHeader(parseApiKey(region.apiKey)).replace(
        '"PLAINTEXT"',
        '"RSA-SHA1"',
      ),
    });
    expect(res.body).toBe(
      "Authorization Error: 'Signature method RSA-SHA1 not supported try one of the following: PLAINTEXT, HMAC-SHA1'",
    );
  });

  it("accepts the unquoted form of MAAS's docs (oauth_signature=&secret) and HMAC-SHA1", async () => {
    const [ck, tk, ts] = region.apiKey.split(':');
    const plain = `OAuth oauth_version=1.0, oauth_signature_method=PLAINTEXT, oauth_consumer_key=${ck}, oauth_token=${tk}, oauth_signature=&${ts}, oauth_nonce=abc123, oauth_timestamp=${Math.floor(Date.now() / 1000)}`;
    expect((await rawRequest(region, { path: 'boot-resources/', authorization: plain })).status).toBe(200);

    const url = new URL('boot-resources/', region.apiUrl);
    const params: Record<string, string> = {
      oauth_consumer_key: ck,
      oauth_token: tk,
      oauth_signature_method: 'HMAC-SHA1',
      oauth_timestamp: String(Math.floor(Date.now() / 1000)),
      oauth_nonce: 'hmacnonce',
      oauth_version: '1.0',
      type: 'uploaded',
    };
    const enc = (s: string) =>
      encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const normalized = Object.entries(params)
      .map(([k, v]) => [enc(k), enc(v)])
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const base = ['GET', enc(`${url.origin}${url.pathname}`), enc(normalized)].join('&');
    const signature = createHmac('sha1', `&${ts}`).update(base).digest('base64');
    const header = `OAuth ${Object.entries(params)
      .filter(([k]) => k.startsWith('oauth_'))
      .map(([k, v]) => `${k}="${enc(v)}"`)
      .join(', ')}, oauth_signature="${enc(signature)}"`;
    const res = await rawRequest(region, { path: 'boot-resources/?type=uploaded', authorization: header });
    expect(res.status).toBe(200);
  });

  it('a non-admin may read but not create: 403 "This method is reserved for admin users."', async () => {
    expect((await rawRequest(region, { path: 'boot-resources/', apiKey: region.userApiKey })).status).toBe(
      200,
    );
    const res = await create(region, { name: 'x', architecture: 'amd64/generic' }, region.userApiKey);
    expect(res.status).toBe(403);
    expect(res.body).toBe('This method is reserved for admin users.');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('an inactive user: 403 "User is not allowed access to this API."', async () => {
    const key = region.addUser({ username: 'sleepy' });
    region.setUserActive('sleepy', false);
    const res = await rawRequest(region, { path: 'boot-resources/', apiKey: key });
    expect([res.status, res.body]).toEqual([403, 'User is not allowed access to this API.']);
  });

  it('a revoked key is an unknown consumer', async () => {
    const key = region.addUser({ username: 'gone', admin: true });
    expect((await rawRequest(region, { path: 'boot-resources/', apiKey: key })).status).toBe(200);
    region.revokeApiKey(key);
    expect((await rawRequest(region, { path: 'boot-resources/', apiKey: key })).body).toBe(
      'Authorization Error: Invalid API key.',
    );
  });

  it('version/ answers anyone; users/?op=whoami says who the key is', async () => {
    const version = await rawRequest(region, { path: 'version/', apiKey: null });
    expect(version.status).toBe(200);
    expect(JSON.parse(version.body)).toMatchObject({
      version: expect.stringMatching(/^3\.7\./),
      subversion: '',
    });
    const me = await rawRequest(region, { path: 'users/?op=whoami', apiKey: region.userApiKey });
    expect(JSON.parse(me.body)).toMatchObject({ username: 'user', is_superuser: false });
  });
});

describe('dispatch, list, read, delete (reference §2, §4)', () => {
  let region: FakeRegion;
  beforeAll(async () => {
    region = await startFakeRegion();
  });
  afterAll(() => region.close());

  it('an unknown op: 400 "Unrecognised signature: method=POST op=foo"', async () => {
    const res = await rawRequest(region, { method: 'POST', path: 'boot-resources/?op=foo' });
    expect([res.status, res.body, res.headers['content-type']]).toEqual([
      400,
      'Unrecognised signature: method=POST op=foo',
      'text/plain; charset=utf-8',
    ]);
  });

  it('a method the handler does not export: 405 with Allow', async () => {
    const res = await rawRequest(region, { method: 'PUT', path: 'boot-resources/', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
    expect(res.headers['x-maas-api-hash']).toBeDefined();
    const put = await rawRequest(region, { method: 'GET', path: 'boot-resources/1/upload/1/' });
    expect([put.status, put.headers.allow]).toEqual([405, 'PUT']);
  });

  it('lists by type, refuses an unknown one', async () => {
    const synced = JSON.parse(
      (await rawRequest(region, { path: 'boot-resources/?type=synced' })).body,
    ) as Array<{ type: string }>;
    expect(synced.map((r) => r.type)).toEqual(['Synced']);
    expect((await rawRequest(region, { path: 'boot-resources/?type=uploaded' })).body).toBe('[]');
    const bad = await rawRequest(region, { path: 'boot-resources/?type=foo' });
    expect([bad.status, bad.body]).toEqual([
      400,
      "'foo' is not a valid boot resource type. Available types: ['synced', 'uploaded']",
    ]);
  });

  it('a missing resource: 404 "No BootResource matches the given query." (text/plain, through piston)', async () => {
    const res = await rawRequest(region, { path: 'boot-resources/999/' });
    expect([res.status, res.body, res.headers['content-type']]).toEqual([
      404,
      'No BootResource matches the given query.',
      'text/plain',
    ]);
    expect(res.headers['x-maas-api-hash']).toBeDefined();
  });

  it('DELETE of a missing id is a 500 (BootResource.objects.get), a non-number id too', async () => {
    const res = await rawRequest(region, { method: 'DELETE', path: 'boot-resources/999/' });
    expect([res.status, res.body, res.headers['content-type']]).toEqual([
      500,
      'BootResource matching query does not exist.',
      'text/plain; charset=utf-8',
    ]);
    const nan = await rawRequest(region, { method: 'DELETE', path: 'boot-resources/abc/' });
    expect([nan.status, nan.body]).toEqual([500, "Field 'id' expected a number but got 'abc'."]);
  });

  it('import ops', async () => {
    expect((await rawRequest(region, { path: 'boot-resources/?op=is_importing' })).body).toBe('false');
    const started = await rawRequest(region, { method: 'POST', path: 'boot-resources/?op=import' });
    expect([started.status, started.body]).toEqual([200, 'Import of boot resources started']);
    const denied = await rawRequest(region, {
      method: 'POST',
      path: 'boot-resources/?op=stop_import',
      apiKey: region.userApiKey,
    });
    expect(denied.status).toBe(403);
  });

  it('DELETE: 204, and the resource and its files are gone', async () => {
    const data = randomBytes(1000);
    const res = await create(region, {
      name: 'custom/deleteme',
      architecture: 'amd64/generic',
      sha256: sha(data),
      size: '1000',
    });
    const id = (JSON.parse(res.body) as { id: number }).id;
    const del = await rawRequest(region, { method: 'DELETE', path: `boot-resources/${id}/` });
    expect([del.status, del.body]).toEqual([204, '']);
    expect((await rawRequest(region, { path: `boot-resources/${id}/` })).status).toBe(404);
    expect(region.files().some((f) => f.resourceId === id)).toBe(false);
  });
});

describe('create (reference §2.1, §5)', () => {
  let region: FakeRegion;
  beforeAll(async () => {
    region = await startFakeRegion({ now: () => FIXED_NOW });
  });
  afterAll(() => region.close());
  const data = randomBytes(3000);
  const valid = { name: 'custom/img', architecture: 'amd64/generic', sha256: sha(data), size: '3000' };

  it('required fields: a JSON dict of Django messages, Python separators', async () => {
    const res = await create(region, {});
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe(
      '{"name": ["This field is required."], "architecture": ["This field is required."], "sha256": ["This field is required."], "size": ["This field is required."]}',
    );
  });

  it.each([
    [
      { architecture: 'foo/bar' },
      { architecture: ["'foo/bar' is not a valid architecture.  It should be one of: 'amd64/generic'."] },
    ],
    [{ filetype: 'iso' }, { filetype: ['Select a valid choice. iso is not one of the available choices.'] }],
    [{ sha256: 'abcdefabcd' }, { sha256: ['Ensure this value has at least 64 characters (it has 10).'] }],
    [{ sha256: 'a'.repeat(65) }, { sha256: ['Ensure this value has at most 64 characters (it has 65).'] }],
    [{ size: 'big' }, { size: ['Enter a whole number.'] }],
    [{ name: 'jammy' }, { name: ['jammy is a reserved name'] }],
    [{ name: 'custom/centos9' }, { name: ['centos9 is a reserved name'] }],
    [{ name: 'custom/ubuntu' }, { name: ['ubuntu is a reserved name'] }],
    [
      { name: 'foo/bar' },
      {
        name: [
          "Unsupport operating system foo, supported operating systems: ['ubuntu', 'ubuntu-core', 'bootloader', 'centos', 'rhel', 'custom', 'windows', 'suse', 'esxi', 'ol']",
        ],
      },
    ],
    [{ base_image: 'rhel' }, { base_image: ['a base image must follow the format: <osystem>/<series>'] }],
    [
      { base_image: 'windows/2022' },
      { base_image: ['custom images require a valid non-custom OS type base image'] },
    ],
    [{ base_image: 'ubuntu/nosuch' }, { base_image: ['please select a valid base image OS and version'] }],
  ])('%j → %j', async (override, errors) => {
    const res = await create(region, { ...valid, ...override });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual(errors);
  });

  it('no synced images: the only architecture choice is the blank one', async () => {
    region.setUsableArchitectures([]);
    const res = await create(region, valid);
    region.setUsableArchitectures(['amd64/generic']);
    expect(JSON.parse(res.body)).toEqual({
      architecture: ["'amd64/generic' is not a valid architecture.  It should be one of: ''."],
    });
  });

  it('a name with two slashes crashes the form (500)', async () => {
    const res = await create(region, { ...valid, name: 'a/b/c' });
    expect([res.status, res.body]).toEqual([500, 'too many values to unpack (expected 2)']);
  });

  it('201 with the 3.7 shape: custom/ stripped, default base image, a dated set, progress 0.0, an upload_uri', async () => {
    const res = await create(region, { ...valid, title: 'My image' });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toContain('"progress": 0.0');
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'Uploaded',
      name: 'img',
      architecture: 'amd64/generic',
      last_deployed: null,
      subarches: 'generic',
      title: 'My image',
      base_image: 'ubuntu/jammy',
    });
    expect(Object.keys(body)).toEqual([
      'id',
      'type',
      'name',
      'architecture',
      'resource_uri',
      'last_deployed',
      'subarches',
      'title',
      'base_image',
      'sets',
    ]);
    const id = body.id as number;
    expect(body.resource_uri).toBe(`/MAAS/api/2.0/boot-resources/${id}/`);
    const set = (body.sets as Record<string, Record<string, unknown>>)[TODAY];
    expect(set).toMatchObject({
      version: TODAY,
      label: 'uploaded',
      size: 3000,
      complete: false,
      progress: 0,
    });
    const file = (set.files as Record<string, Record<string, unknown>>)['root.tgz'];
    expect(file).toEqual({
      filename: 'root.tgz',
      filetype: 'root-tgz',
      sha256: sha(data),
      filename_on_disk: sha(data).slice(0, 7),
      size: 3000,
      complete: false,
      progress: 0,
      upload_uri: `/MAAS/api/2.0/boot-resources/${id}/upload/${region.files().at(-1)?.id}/`,
    });
  });

  it('creating the same name again adds a set (YYYYmmdd.1) and empties the older ones', async () => {
    const res = await create(region, { ...valid, title: 'My image' });
    const body = JSON.parse(res.body) as { id: number; sets: Record<string, { files: object }> };
    expect(Object.keys(body.sets).sort()).toEqual([TODAY, `${TODAY}.1`]);
    expect(body.sets[TODAY].files).toEqual({});
    expect(res.body.indexOf(`"${TODAY}.1"`)).toBeLessThan(res.body.indexOf(`"${TODAY}"`));
  });

  it('the same sha256 with another size: 400 text/plain', async () => {
    const res = await create(region, { ...valid, name: 'custom/other', size: '2999' });
    expect([res.status, res.body, res.headers['content-type']]).toEqual([
      400,
      'File already exists with sha256 that is of different size.',
      'text/plain; charset=utf-8',
    ]);
  });

  it('names an os/series has no base image; dd types get their stored names', async () => {
    const d = randomBytes(10);
    const res = await create(region, {
      name: 'rhel/9',
      architecture: 'amd64/generic',
      sha256: sha(d),
      size: '10',
      filetype: 'ddgz',
    });
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(body.base_image).toBeUndefined();
    expect(res.body).toContain('"filename": "root-dd.gz", "filetype": "root-dd.gz"');
  });

  it('takes the multipart form of the MAAS CLI, and a single-shot content upload (≤3.7)', async () => {
    const content = randomBytes(5000);
    const boundary = 'XyZ';
    const part = (name: string, value: string | Buffer, filename?: string) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n\r\n`,
        ),
        Buffer.isBuffer(value) ? value : Buffer.from(value),
        Buffer.from('\r\n'),
      ]);
    const body = Buffer.concat([
      part('name', 'custom/oneshot'),
      part('architecture', 'amd64/generic'),
      part('content', content, 'file'),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
    const res = await rawRequest(region, {
      method: 'POST',
      path: 'boot-resources/',
      body,
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(res.status).toBe(201);
    const file = region.files().at(-1);
    expect(file).toMatchObject({ sha256: sha(content), size: 5000, complete: true });
    expect((await region.readFile(file?.id as number)).equals(content)).toBe(true);
  });
});

describe('PUT, the rules in their order (reference §3.2)', () => {
  let region: FakeRegion;
  const data = randomBytes(6 * 1024 * 1024 + 11);
  let uri: string;
  let fileId: number;
  beforeAll(async () => {
    region = await startFakeRegion();
    const res = await create(region, {
      name: 'custom/put',
      architecture: 'amd64/generic',
      sha256: sha(data),
      size: String(data.length),
    });
    uri = uploadUriOf(res.body);
    fileId = Number(/upload\/(\d+)\//.exec(uri)?.[1]);
  });
  afterAll(() => region.close());
  afterEach(() => region.faults.clear());
  const put = (body: Buffer, path = uri, extra: Partial<Parameters<typeof rawRequest>[1]> = {}) =>
    rawRequest(region, {
      method: 'PUT',
      path,
      body,
      headers: { 'Content-Type': 'application/octet-stream' },
      ...extra,
    });

  it('a non-admin: 403', async () => {
    const res = await put(data.subarray(0, 10), uri, { apiKey: region.userApiKey });
    expect([res.status, res.body]).toEqual([403, 'This method is reserved for admin users.']);
  });

  it('404 for the resource, then for the file', async () => {
    const noResource = await put(
      data.subarray(0, 10),
      uri.replace(/boot-resources\/\d+/, 'boot-resources/999'),
    );
    expect([noResource.status, noResource.body]).toEqual([404, 'No BootResource matches the given query.']);
    const noFile = await put(data.subarray(0, 10), uri.replace(/upload\/\d+/, 'upload/999'));
    expect([noFile.status, noFile.body]).toEqual([404, 'No BootResourceFile matches the given query.']);
  });

  it('an empty body: 400 "Missing data."', async () => {
    const res = await put(Buffer.alloc(0), uri, { headers: { 'Content-Length': '0' } });
    expect([res.status, res.body]).toEqual([400, 'Missing data.']);
  });

  it('a synced resource: 403 "Cannot upload to a resource of type: 0."', async () => {
    const res = await put(data.subarray(0, 10), '/MAAS/api/2.0/boot-resources/1/upload/1/');
    expect([res.status, res.body]).toEqual([403, 'Cannot upload to a resource of type: 0.']);
  });

  it('over 10 MiB: nginx answers 413 before the region sees it', async () => {
    const res = await put(randomBytes(10 * 1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(res.reason).toBe('Request Entity Too Large');
    expect(res.body).toContain('<center><h1>413 Request Entity Too Large</h1></center>');
  });

  it('a form-encoded body is parsed as a form: an "op" in it takes over dispatch', async () => {
    const res = await rawRequest(region, { method: 'PUT', path: uri, form: { op: 'nope' } });
    expect([res.status, res.body]).toEqual([400, 'Unrecognised signature: method=PUT op=nope']);
  });

  it('chunks are appended at the bytes held; GET shows progress; 200 "OK" through piston', async () => {
    const res = await put(data.subarray(0, 4 * 1024 * 1024));
    expect([res.status, res.body, res.headers['content-type']]).toEqual([200, 'OK', 'text/plain']);
    expect(res.headers['x-maas-api-hash']).toBeDefined();
    const resource = JSON.parse((await rawRequest(region, { path: uri.replace(/upload\/.*/, '') })).body) as {
      sets: Record<string, { progress: number; size: number }>;
    };
    const set = Object.values(resource.sets)[0];
    expect(Math.round((set.progress * set.size) / 100)).toBe(4 * 1024 * 1024);
  });

  it('more than the file holds: 400 "Too much data received." and nothing written', async () => {
    const writes = region.writes.length;
    const res = await put(data.subarray(0, 2 * 1024 * 1024 + 12));
    expect([res.status, res.body]).toEqual([400, 'Too much data received.']);
    expect(region.writes.length).toBe(writes);
  });

  it('a mismatch at completion: 400, the progress rolled back, the same again fails the same way', async () => {
    const last = Buffer.from(data.subarray(4 * 1024 * 1024));
    last[5] ^= 1;
    for (let i = 0; i < 2; i++) {
      const res = await put(last);
      expect([res.status, res.body]).toEqual([400, 'Saved content does not match given SHA256 value.']);
      expect(region.file(fileId)?.bytes).toBe(4 * 1024 * 1024);
    }
    const ok = await put(data.subarray(4 * 1024 * 1024));
    expect(ok.status).toBe(200);
    expect(region.file(fileId)).toMatchObject({ complete: true, bytes: data.length });
    expect((await region.readFile(fileId)).equals(data)).toBe(true);
  });

  it('a complete file: 400 "Cannot upload to a complete file."', async () => {
    const res = await put(data.subarray(0, 10));
    expect([res.status, res.body]).toEqual([400, 'Cannot upload to a complete file.']);
  });
});

describe('fault switches', () => {
  let region: FakeRegion;
  beforeAll(async () => {
    region = await startFakeRegion();
  });
  afterAll(() => region.close());
  afterEach(() => region.faults.clear());

  async function fresh(size = 3 * 1024 * 1024) {
    const data = randomBytes(size);
    const res = await create(region, {
      name: `custom/f${randomBytes(4).toString('hex')}`,
      architecture: 'amd64/generic',
      sha256: sha(data),
      size: String(size),
    });
    const uri = uploadUriOf(res.body);
    return { data, uri, fileId: Number(/upload\/(\d+)\//.exec(uri)?.[1]) };
  }
  const put = (uri: string, body: Buffer) =>
    rawRequest(region, {
      method: 'PUT',
      path: uri,
      body,
      headers: { 'Content-Type': 'application/octet-stream' },
    });

  it("conflict: 409, Retry-After, MAAS's page, nothing committed", async () => {
    const { data, uri, fileId } = await fresh();
    const fault = region.faults.inject({ kind: 'conflict' });
    const res = await put(uri, data.subarray(0, 1024));
    expect(res.status).toBe(409);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toContain('Conflict error. Try your request again, as it will most likely succeed.');
    expect(fault.hits).toBe(1);
    expect(region.file(fileId)?.bytes).toBe(0);
    expect((await put(uri, data.subarray(0, 1024))).status).toBe(200);
  });

  it('reset before commit (after the body, or halfway through it): the connection drops, nothing changes', async () => {
    const { data, uri, fileId } = await fresh();
    region.faults.inject({ kind: 'reset-before-commit' });
    await expect(put(uri, data.subarray(0, 1024 * 1024))).rejects.toThrow(/ECONNRESET|socket hang up/);
    region.faults.inject({ kind: 'reset-before-commit', midBody: true });
    await expect(put(uri, data.subarray(0, 1024 * 1024))).rejects.toThrow(/ECONNRESET|socket hang up|EPIPE/);
    expect(region.file(fileId)?.bytes).toBe(0);
    expect(region.requests.slice(-2).map((r) => r.status)).toEqual(['reset', 'reset']);
  });

  it('reset after commit: the chunk is in, the answer is lost', async () => {
    const { data, uri, fileId } = await fresh();
    region.faults.inject({ kind: 'reset-after-commit' });
    await expect(put(uri, data.subarray(0, 1024))).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(region.file(fileId)?.bytes).toBe(1024);
  });

  it('nth and final select the request', async () => {
    const { data, uri, fileId } = await fresh(3000);
    const fault = region.faults.inject({ kind: 'conflict', match: { final: true } });
    expect((await put(uri, data.subarray(0, 1000))).status).toBe(200);
    expect((await put(uri, data.subarray(1000, 2000))).status).toBe(200);
    expect((await put(uri, data.subarray(2000))).status).toBe(409);
    expect(fault.hits).toBe(1);
    const second = region.faults.inject({ kind: 'status', status: 503, match: { method: 'GET', nth: 2 } });
    expect((await rawRequest(region, { path: 'boot-resources/' })).status).toBe(200);
    expect((await rawRequest(region, { path: 'boot-resources/' })).status).toBe(503);
    expect((await rawRequest(region, { path: 'boot-resources/' })).status).toBe(200);
    expect(second.hits).toBe(1);
    expect((await put(uri, data.subarray(2000))).status).toBe(200);
    expect(region.file(fileId)?.complete).toBe(true);
  });

  it('slow: the answer waits, the commit lands even if the client has gone, GET meanwhile shows the old state', async () => {
    const { data, uri, fileId } = await fresh(2000);
    region.faults.inject({ kind: 'slow', delayMs: 400 });
    const started = Date.now();
    const pending = put(uri, data);
    await new Promise((r) => setTimeout(r, 150));
    expect(region.file(fileId)?.complete).toBe(false);
    expect((await pending).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(region.file(fileId)?.complete).toBe(true);
  });

  it('gateway-timeout: nginx answers 504, the region commits later anyway', async () => {
    const { data, uri, fileId } = await fresh(2000);
    region.faults.inject({ kind: 'gateway-timeout', delayMs: 100, commitDelayMs: 300 });
    const res = await put(uri, data);
    expect([res.status, res.reason]).toEqual([504, 'Gateway Time-out']);
    expect(region.file(fileId)?.complete).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(region.file(fileId)?.complete).toBe(true);
  });

  it("corrupt: the final check fails with MAAS's message", async () => {
    const { data, uri } = await fresh(2000);
    region.faults.inject({ kind: 'corrupt' });
    const res = await put(uri, data);
    expect([res.status, res.body]).toEqual([400, 'Saved content does not match given SHA256 value.']);
  });

  it("expire-timestamp: the region's clock jumps for one request", async () => {
    region.faults.inject({ kind: 'expire-timestamp', match: { method: 'GET' } });
    const res = await rawRequest(region, { path: 'boot-resources/' });
    expect(res.status).toBe(401);
    expect(res.body).toMatch(
      /Expired timestamp: given \d+ and now \d+, has a greater difference than threshold 300/,
    );
    expect((await rawRequest(region, { path: 'boot-resources/' })).status).toBe(200);
  });
});

describe('version profiles', () => {
  it('3.4: large objects shared by sha256, inverted file progress, no filename_on_disk/base_image, "type: 0. "', async () => {
    const region = await startFakeRegion({ version: '3.4' });
    try {
      const data = randomBytes(3000);
      const fields = { name: 'custom/old', architecture: 'amd64/generic', sha256: sha(data), size: '3000' };
      const first = await create(region, fields);
      expect(first.body).toContain('"progress": 0,');
      const body = JSON.parse(first.body) as Record<string, unknown>;
      expect(body.base_image).toBeUndefined();
      expect(first.body).not.toContain('filename_on_disk');
      expect(first.body).toContain('"filename": "root-tgz"');
      const uri = uploadUriOf(first.body);
      await rawRequest(region, { method: 'PUT', path: uri, body: data.subarray(0, 1000) });
      const read = JSON.parse((await rawRequest(region, { path: uri.replace(/upload\/.*/, '') })).body) as {
        sets: Record<string, { progress: number; files: Record<string, { progress: number }> }>;
      };
      const set = Object.values(read.sets)[0];
      expect(set.files['root-tgz'].progress).toBe(3);
      expect(set.progress).toBeCloseTo(33.333333, 5);
      // Re-creating shares the partial large object: the upload continues where it was.
      const again = JSON.parse((await create(region, fields)).body) as {
        sets: Record<string, { progress: number }>;
      };
      expect(Object.values(again.sets).some((s) => Math.abs(s.progress - 33.333333) < 1e-5)).toBe(true);
      const synced = await rawRequest(region, {
        method: 'PUT',
        path: '/MAAS/api/2.0/boot-resources/1/upload/1/',
        body: 'x',
      });
      expect(synced.body).toBe('Cannot upload to a resource of type: 0. ');
      const types = await rawRequest(region, { path: 'boot-resources/?type=nope' });
      expect(types.body).toBe(
        "'nope' is not a valid boot resource type. Available types: ['synced', 'generated', 'uploaded']",
      );
    } finally {
      await region.close();
    }
  });

  it('master: keeps custom/, speaks of permissions, appends outside the transaction', async () => {
    const region = await startFakeRegion({ version: 'master' });
    try {
      const data = randomBytes(3000);
      const res = await create(region, {
        name: 'custom/new',
        architecture: 'amd64/generic',
        sha256: sha(data),
        size: '3000',
      });
      expect((JSON.parse(res.body) as { name: string }).name).toBe('custom/new');
      const denied = await create(region, { name: 'custom/x' }, region.userApiKey);
      expect(denied.body).toBe(
        "User does not have permission to perform this operation. The user should have permission 'can_edit_boot_entities'",
      );
      const uri = uploadUriOf(res.body);
      // A rolled-back request leaves its bytes on disk: the chunk resent lands after them.
      region.faults.inject({ kind: 'conflict' });
      expect(
        (await rawRequest(region, { method: 'PUT', path: uri, body: data.subarray(0, 2000) })).status,
      ).toBe(409);
      const over = await rawRequest(region, { method: 'PUT', path: uri, body: data.subarray(0, 2000) });
      expect([over.status, over.body]).toEqual([400, 'Too much data received.']);
      const fileId = Number(/upload\/(\d+)\//.exec(uri)?.[1]);
      expect((await region.readFile(fileId)).length).toBe(0);
    } finally {
      await region.close();
    }
  });

  it('several regions: complete only once the others have copied the file', async () => {
    const region = await startFakeRegion({ regions: 2, syncDelayMs: 200 });
    try {
      const data = randomBytes(2000);
      const res = await create(region, {
        name: 'custom/multi',
        architecture: 'amd64/generic',
        sha256: sha(data),
        size: '2000',
      });
      const uri = uploadUriOf(res.body);
      expect((await rawRequest(region, { method: 'PUT', path: uri, body: data })).status).toBe(200);
      const during = await rawRequest(region, { path: uri.replace(/upload\/.*/, '') });
      expect(during.body).toContain('"progress": 50.0');
      await new Promise((r) => setTimeout(r, 300));
      const after = JSON.parse((await rawRequest(region, { path: uri.replace(/upload\/.*/, '') })).body) as {
        sets: Record<string, { complete: boolean }>;
      };
      expect(Object.values(after.sets)[0].complete).toBe(true);
    } finally {
      await region.close();
    }
  });
});

describe("the region's sha256 of what it stored (kept as the chunks are written)", () => {
  const CHUNK = 64 * 1024;
  const versions = ['3.4', '3.7', 'master'] as const;

  async function upload(region: FakeRegion, size: number) {
    const data = randomBytes(size);
    const res = await create(region, {
      name: `custom/h${randomBytes(4).toString('hex')}`,
      architecture: 'amd64/generic',
      sha256: sha(data),
      size: String(size),
    });
    const uri = uploadUriOf(res.body);
    const fileId = Number(/upload\/(\d+)\//.exec(uri)?.[1]);
    const put = (from: number) =>
      rawRequest(region, {
        method: 'PUT',
        path: uri,
        body: data.subarray(from, Math.min(from + CHUNK, size)),
        headers: { 'Content-Type': 'application/octet-stream' },
      });
    return { data, fileId, put };
  }

  it.each(versions)(
    '%s: a chunk corrupted on its way to disk, not the last one, fails the final check; progress rolls back',
    async (version) => {
      const region = await startFakeRegion({ version });
      try {
        const { fileId, put } = await upload(region, 3 * CHUNK + 100);
        region.faults.inject({ kind: 'corrupt', match: { nth: 2 } });
        for (const from of [0, CHUNK, 2 * CHUNK]) expect((await put(from)).status).toBe(200);
        const last = await put(3 * CHUNK);
        expect([last.status, last.body]).toEqual([400, 'Saved content does not match given SHA256 value.']);
        expect(region.file(fileId)).toMatchObject({ complete: false, bytes: 3 * CHUNK });
        const again = await put(3 * CHUNK);
        expect([again.status, again.body]).toEqual([
          400,
          version === 'master'
            ? 'Too much data received.'
            : 'Saved content does not match given SHA256 value.',
        ]);
      } finally {
        await region.close();
      }
    },
  );

  it.each(['3.4', '3.7'] as const)(
    '%s: a rolled-back chunk (409) resent, and a corrupted last chunk resent whole: the file completes',
    async (version) => {
      const region = await startFakeRegion({ version });
      try {
        const { data, fileId, put } = await upload(region, 3 * CHUNK + 100);
        expect((await put(0)).status).toBe(200);
        region.faults.inject({ kind: 'conflict' });
        expect((await put(CHUNK)).status).toBe(409);
        expect((await put(CHUNK)).status).toBe(200);
        expect((await put(2 * CHUNK)).status).toBe(200);
        region.faults.inject({ kind: 'corrupt' });
        expect((await put(3 * CHUNK)).status).toBe(400);
        const ok = await put(3 * CHUNK);
        expect([ok.status, ok.body]).toEqual([200, 'OK']);
        expect(region.file(fileId)).toMatchObject({ complete: true, bytes: data.length });
        expect((await region.readFile(fileId)).equals(data)).toBe(true);
      } finally {
        await region.close();
      }
    },
  );

  it('with direct I/O off (page cache only) the same checks hold', async () => {
    const region = await startFakeRegion({ directIo: false });
    try {
      const { data, fileId, put } = await upload(region, 2 * CHUNK + 10);
      region.faults.inject({ kind: 'corrupt', match: { nth: 1 } });
      expect((await put(0)).status).toBe(200);
      expect((await put(CHUNK)).status).toBe(200);
      expect((await put(2 * CHUNK)).body).toBe('Saved content does not match given SHA256 value.');
      expect(region.file(fileId)?.complete).toBe(false);
      expect((await region.readFile(fileId)).subarray(1, 2 * CHUNK).equals(data.subarray(1, 2 * CHUNK))).toBe(
        true,
      );
    } finally {
      await region.close();
    }
  });
});
