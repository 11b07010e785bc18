import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileProfileStore, ProfileError, defaultProfilesPath, resolveConnection } from './profiles';

const KEY = 'AAAAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBB:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC';
const KEY2 = 'DDDDDDDDDDDDDDDDDD:EEEEEEEEEEEEEEEEEE:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF';
let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-profiles-'));
  file = path.join(dir, 'config', 'kiln', 'maas-profiles.json');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('defaultProfilesPath', () => {
  it('follows XDG_CONFIG_HOME, else ~/.config', () => {
    expect(defaultProfilesPath({ XDG_CONFIG_HOME: '/x/conf' }, '/home/me')).toBe(
      '/x/conf/kiln/maas-profiles.json',
    );
    expect(defaultProfilesPath({}, '/home/me')).toBe('/home/me/.config/kiln/maas-profiles.json');
    // The XDG spec says a relative value is to be ignored.
    expect(defaultProfilesPath({ XDG_CONFIG_HOME: 'rel' }, '/home/me')).toBe(
      '/home/me/.config/kiln/maas-profiles.json',
    );
  });
});

describe('FileProfileStore', () => {
  it("keeps keys sealed by a codec (as the app's keychain) under its own field, and opens them on read", async () => {
    const reversed = (text: string) => [...text].reverse().join('');
    const store = new FileProfileStore(file, () => {}, {
      field: 'encryptedApiKey',
      seal: (key) => Buffer.from(reversed(key)).toString('base64'),
      open: (sealed, name) => {
        if (sealed === 'broken')
          throw new ProfileError(`the API key of MAAS profile "${name}" cannot be decrypted`);
        return reversed(Buffer.from(sealed, 'base64').toString());
      },
    });
    await store.save({ name: 'lab', url: 'http://maas.lab:5240/MAAS', apiKey: KEY });
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(written.profiles.lab).toEqual({
      url: 'http://maas.lab:5240/MAAS',
      encryptedApiKey: Buffer.from(reversed(KEY)).toString('base64'),
    });
    expect((await store.get('lab'))?.apiKey).toBe(KEY);
    // A plain store does not read a sealed file as if it held keys.
    await expect(new FileProfileStore(file).list()).rejects.toThrow(/profiles\.lab\.apiKey/);
    written.profiles.lab.encryptedApiKey = 'broken';
    fs.writeFileSync(file, JSON.stringify(written), { mode: 0o600 });
    await expect(store.get('lab')).rejects.toThrow('profile "lab" cannot be decrypted');
  });

  it('writes a file only its user can read (0600) in a directory it creates 0700, atomically', async () => {
    const store = new FileProfileStore(file);
    const umask = process.umask(0o022);
    try {
      await store.save({ name: 'lab', url: 'http://maas.lab:5240/MAAS/', apiKey: `${KEY}\n` });
    } finally {
      process.umask(umask);
    }
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['maas-profiles.json']);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      default: 'lab',
      profiles: { lab: { url: 'http://maas.lab:5240/MAAS', apiKey: KEY } },
    });
  });

  it('keeps several profiles; the first is the default until another is made so', async () => {
    const store = new FileProfileStore(file);
    await store.save({ name: 'lab', url: 'http://a:5240/MAAS', apiKey: KEY });
    await store.save({ name: 'prod', url: 'https://b:5443/MAAS', apiKey: KEY2 });
    expect(await store.defaultName()).toBe('lab');
    await store.save({ name: 'prod', url: 'https://b:5443/MAAS', apiKey: KEY2 }, { makeDefault: true });
    expect(await store.list()).toEqual([
      { name: 'lab', url: 'http://a:5240/MAAS', isDefault: false },
      { name: 'prod', url: 'https://b:5443/MAAS', isDefault: true },
    ]);
    expect(await store.get('prod')).toEqual({ name: 'prod', url: 'https://b:5443/MAAS', apiKey: KEY2 });
    expect(await store.remove('prod')).toBe(true);
    expect(await store.remove('prod')).toBe(false);
    expect(await store.defaultName()).toBe('lab');
  });

  it('refuses a bad name, URL or key before writing anything', async () => {
    const store = new FileProfileStore(file);
    await expect(store.save({ name: '../x', url: 'http://a/MAAS', apiKey: KEY })).rejects.toThrow(
      /not a usable profile name/,
    );
    await expect(store.save({ name: 'a', url: 'ftp://a/MAAS', apiKey: KEY })).rejects.toThrow(
      /http or https/,
    );
    await expect(store.save({ name: 'a', url: 'http://a/MAAS', apiKey: 'x:y' })).rejects.toThrow(
      /three parts/,
    );
    expect(fs.existsSync(file)).toBe(false);
  });

  it('tightens a file others can read, and says so', async () => {
    const warnings: string[] = [];
    const store = new FileProfileStore(file, (w) => warnings.push(w));
    await store.save({ name: 'lab', url: 'http://a:5240/MAAS', apiKey: KEY });
    fs.chmodSync(file, 0o644);
    await store.list();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([
      `${file} was readable by other users (mode 644); it holds API keys, so its mode is now 600`,
    ]);
  });

  it('a damaged file is named and left alone, never overwritten', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"version": 1, "profiles": ', { mode: 0o600 });
    const store = new FileProfileStore(file);
    await expect(store.list()).rejects.toThrow(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON .*; fix it or remove it$`,
      ),
    );
    await expect(store.save({ name: 'lab', url: 'http://a:5240/MAAS', apiKey: KEY })).rejects.toThrow(
      ProfileError,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('{"version": 1, "profiles": ');
    fs.writeFileSync(file, '{"version": 2, "profiles": {}}');
    await expect(store.list()).rejects.toThrow(/maas-profiles\.json: version: /);
  });
});

describe('resolveConnection', () => {
  async function storeWith(...names: string[]) {
    const store = new FileProfileStore(file);
    for (const name of names) await store.save({ name, url: `http://${name}:5240/MAAS`, apiKey: KEY });
    return store;
  }

  it('--url/--api-key first, either from the environment', async () => {
    const store = await storeWith('lab');
    expect(await resolveConnection({ url: 'http://x/MAAS', apiKey: KEY2 }, {}, store)).toMatchObject({
      url: 'http://x/MAAS',
      apiKey: KEY2,
      source: '--url/--api-key',
    });
    expect(
      await resolveConnection({ url: 'http://x/MAAS' }, { KILN_MAAS_API_KEY: KEY2 }, store),
    ).toMatchObject({
      apiKey: KEY2,
    });
    await expect(resolveConnection({ url: 'http://x/MAAS' }, {}, store)).rejects.toThrow(
      '--url needs --api-key (or KILN_MAAS_API_KEY)',
    );
    await expect(resolveConnection({ profile: 'lab', url: 'http://x' }, {}, store)).rejects.toThrow(
      /not both/,
    );
  });

  it('then --profile, then KILN_MAAS_URL/KILN_MAAS_API_KEY, then KILN_MAAS_PROFILE, then the default', async () => {
    const store = await storeWith('lab', 'prod');
    const env = { KILN_MAAS_URL: 'http://env/MAAS', KILN_MAAS_API_KEY: KEY2, KILN_MAAS_PROFILE: 'prod' };
    expect((await resolveConnection({ profile: 'prod' }, env, store)).url).toBe('http://prod:5240/MAAS');
    expect((await resolveConnection({}, env, store)).source).toBe('KILN_MAAS_URL/KILN_MAAS_API_KEY');
    expect((await resolveConnection({}, { KILN_MAAS_PROFILE: 'prod' }, store)).profile).toBe('prod');
    expect(await resolveConnection({}, {}, store)).toMatchObject({
      profile: 'lab',
      source: 'default profile "lab"',
    });
    await expect(resolveConnection({}, { KILN_MAAS_URL: 'http://env/MAAS' }, store)).rejects.toThrow(
      'KILN_MAAS_URL is set but KILN_MAAS_API_KEY is not',
    );
  });

  it('says what to do when nothing is set up, and which profiles exist when one is misnamed', async () => {
    await expect(resolveConnection({}, {}, await storeWith())).rejects.toThrow(
      /run "kiln maas login PROFILE URL API_KEY" once/,
    );
    await expect(resolveConnection({ profile: 'nope' }, {}, await storeWith('lab'))).rejects.toThrow(
      'no MAAS profile "nope" (saved profiles: lab)',
    );
  });
});
