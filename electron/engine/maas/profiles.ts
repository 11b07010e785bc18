/**
 * MAAS connection profiles (a name → region URL and API key). The CLI keeps them in a JSON file only
 * its user can read (`${XDG_CONFIG_HOME:-~/.config}/kiln/maas-profiles.json`, mode 0600); the desktop
 * app keeps keys in the OS keychain instead, behind the same `ProfileStore` interface.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { normalizeRegionUrl } from './api';
import { parseApiKey } from './oauth';

export interface MaasProfile {
  name: string;
  /** `http://HOST:5240/MAAS` */
  url: string;
  /** `consumer_key:token_key:token_secret` */
  apiKey: string;
}

export interface ProfileSummary {
  name: string;
  url: string;
  isDefault: boolean;
}

export interface ProfileStore {
  list(): Promise<ProfileSummary[]>;
  get(name: string): Promise<MaasProfile | undefined>;
  /** Adds or replaces; the first profile saved becomes the default, as does one saved with `makeDefault`. */
  save(profile: MaasProfile, options?: { makeDefault?: boolean }): Promise<void>;
  /** False if there was no such profile. */
  remove(name: string): Promise<boolean>;
  defaultName(): Promise<string | undefined>;
}

export class ProfileError extends Error {
  override name = 'ProfileError';
}

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function validateProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new ProfileError(
      `"${name}" is not a usable profile name: use letters, digits, ".", "_" and "-" (up to 64, starting with a letter or digit)`,
    );
  }
  return name;
}

export function defaultProfilesPath(
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  const configHome =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)
      ? env.XDG_CONFIG_HOME
      : path.join(home, '.config');
  return path.join(configHome, 'kiln', 'maas-profiles.json');
}

/**
 * How a profile's API key is kept in the file: as written (the CLI's file, readable only by its user), or
 * sealed by something else (the desktop app's OS keychain). `field` names the JSON key that holds it.
 */
export interface ApiKeyCodec {
  field: string;
  seal(apiKey: string): string;
  /** Throws a ProfileError naming the profile when the key cannot be recovered. */
  open(sealed: string, profileName: string): string;
}

const PLAIN_KEYS: ApiKeyCodec = { field: 'apiKey', seal: (key) => key, open: (sealed) => sealed };

interface ProfilesFile {
  version: 1;
  default?: string;
  profiles: Record<string, { url: string } & Record<string, string>>;
}

function fileSchemaFor(codec: ApiKeyCodec) {
  return z.object({
    version: z.literal(1),
    default: z.string().optional(),
    profiles: z.record(z.string(), z.object({ url: z.string(), [codec.field]: z.string() })),
  });
}

/** Profiles in one JSON file, written atomically with mode 0600 in a directory created with mode 0700. */
export class FileProfileStore implements ProfileStore {
  private readonly fileSchema: ReturnType<typeof fileSchemaFor>;

  constructor(
    readonly filePath: string = defaultProfilesPath(),
    private readonly onWarning: (message: string) => void = () => {},
    private readonly keys: ApiKeyCodec = PLAIN_KEYS,
  ) {
    this.fileSchema = fileSchemaFor(keys);
  }

  async list(): Promise<ProfileSummary[]> {
    const data = await this.read();
    return Object.entries(data.profiles)
      .map(([name, p]) => ({ name, url: p.url, isDefault: data.default === name }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<MaasProfile | undefined> {
    const entry = (await this.read()).profiles[name];
    return entry ? { name, url: entry.url, apiKey: this.keys.open(entry[this.keys.field], name) } : undefined;
  }

  async defaultName(): Promise<string | undefined> {
    const data = await this.read();
    if (data.default && data.profiles[data.default]) return data.default;
    const names = Object.keys(data.profiles);
    return names.length === 1 ? names[0] : undefined;
  }

  async save(profile: MaasProfile, options: { makeDefault?: boolean } = {}): Promise<void> {
    validateProfileName(profile.name);
    const url = normalizeRegionUrl(profile.url);
    parseApiKey(profile.apiKey);
    const data = await this.read();
    const sealed = this.keys.seal(profile.apiKey.trim());
    data.profiles[profile.name] = { url, [this.keys.field]: sealed };
    if (options.makeDefault || !data.default || !data.profiles[data.default]) data.default = profile.name;
    await this.write(data);
  }

  async remove(name: string): Promise<boolean> {
    const data = await this.read();
    if (!data.profiles[name]) return false;
    delete data.profiles[name];
    if (data.default === name) delete data.default;
    await this.write(data);
    return true;
  }

  private async read(): Promise<ProfilesFile> {
    let text: string;
    try {
      text = await fs.readFile(this.filePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, profiles: {} };
      throw new ProfileError(`cannot read ${this.filePath}: ${(err as Error).message}`);
    }
    await this.tightenMode();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ProfileError(
        `${this.filePath} is not valid JSON (${(err as Error).message}); fix it or remove it`,
      );
    }
    const result = this.fileSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new ProfileError(
        `${this.filePath}: ${issue.path.join('.') || '(top level)'}: ${issue.message}; fix it or remove it`,
      );
    }
    return result.data as ProfilesFile;
  }

  /** A profiles file others can read gets fixed, and said so. */
  private async tightenMode(): Promise<void> {
    const stat = await fs.stat(this.filePath);
    if ((stat.mode & 0o077) !== 0) {
      await fs.chmod(this.filePath, 0o600);
      this.onWarning(
        `${this.filePath} was readable by other users (mode ${(stat.mode & 0o777).toString(8)}); it holds API keys, so its mode is now 600`,
      );
    }
  }

  private async write(data: ProfilesFile): Promise<void> {
    const dir = path.dirname(this.filePath);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = path.join(dir, `.${path.basename(this.filePath)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`, 'utf8');
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    // The mode passed to open() is reduced by the umask; make it exactly 0600.
    await fs.chmod(temp, 0o600);
    await fs.rename(temp, this.filePath);
  }
}

/** What a command was given to reach a region. */
export interface ConnectionChoice {
  profile?: string;
  url?: string;
  apiKey?: string;
}

export interface ResolvedConnection {
  url: string;
  apiKey: string;
  /** Where it came from, to say so: `profile "lab"`, `--url/--api-key`, `KILN_MAAS_URL/KILN_MAAS_API_KEY`. */
  source: string;
  profile?: string;
}

/**
 * Order: `--url`/`--api-key` (either may come from the environment), else `--profile`, else
 * `KILN_MAAS_URL`+`KILN_MAAS_API_KEY`, else `KILN_MAAS_PROFILE`, else the default profile.
 */
export async function resolveConnection(
  choice: ConnectionChoice,
  env: NodeJS.ProcessEnv,
  store: ProfileStore,
): Promise<ResolvedConnection> {
  if (choice.profile && (choice.url || choice.apiKey)) {
    throw new ProfileError('give either --profile or --url and --api-key, not both');
  }
  if (choice.url || choice.apiKey) {
    const url = choice.url ?? env.KILN_MAAS_URL;
    const apiKey = choice.apiKey ?? env.KILN_MAAS_API_KEY;
    if (!url) throw new ProfileError('--api-key needs --url (or KILN_MAAS_URL)');
    if (!apiKey) throw new ProfileError('--url needs --api-key (or KILN_MAAS_API_KEY)');
    return { url, apiKey, source: '--url/--api-key' };
  }
  if (choice.profile) return fromProfile(choice.profile, store, `profile "${choice.profile}"`);
  if (env.KILN_MAAS_URL || env.KILN_MAAS_API_KEY) {
    if (!env.KILN_MAAS_URL) throw new ProfileError('KILN_MAAS_API_KEY is set but KILN_MAAS_URL is not');
    if (!env.KILN_MAAS_API_KEY) throw new ProfileError('KILN_MAAS_URL is set but KILN_MAAS_API_KEY is not');
    return {
      url: env.KILN_MAAS_URL,
      apiKey: env.KILN_MAAS_API_KEY,
      source: 'KILN_MAAS_URL/KILN_MAAS_API_KEY',
    };
  }
  if (env.KILN_MAAS_PROFILE) {
    return fromProfile(
      env.KILN_MAAS_PROFILE,
      store,
      `profile "${env.KILN_MAAS_PROFILE}" (KILN_MAAS_PROFILE)`,
    );
  }
  const name = await store.defaultName();
  if (name) return fromProfile(name, store, `default profile "${name}"`);
  throw new ProfileError(
    'no MAAS region given: run "kiln maas login PROFILE URL API_KEY" once, or pass --profile, or --url and --api-key, or set KILN_MAAS_URL and KILN_MAAS_API_KEY',
  );
}

async function fromProfile(name: string, store: ProfileStore, source: string): Promise<ResolvedConnection> {
  const profile = await store.get(name);
  if (!profile) {
    const known = (await store.list()).map((p) => p.name);
    throw new ProfileError(
      `no MAAS profile "${name}"${known.length ? ` (saved profiles: ${known.join(', ')})` : ' (none saved yet: "kiln maas login PROFILE URL API_KEY")'}`,
    );
  }
  return { url: profile.url, apiKey: profile.apiKey, source, profile: name };
}
