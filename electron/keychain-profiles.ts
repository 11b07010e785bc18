/**
 * MAAS profiles for the desktop app, with API keys encrypted by the OS keychain through Electron's
 * safeStorage (GNOME Keyring / KWallet on Linux, Keychain on macOS, DPAPI on Windows). The file holds
 * names, URLs and encrypted keys only, mode 0600. Where Linux has no keyring, safeStorage falls back to
 * a fixed password ("basic_text"): keys are then only obfuscated, and the settings say so.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { safeStorage } from 'electron';
import { z } from 'zod';
import type { MaasKeyStorage } from './api/types';
import { normalizeRegionUrl } from './engine/maas/api';
import { parseApiKey } from './engine/maas/oauth';
import type { MaasProfile, ProfileStore, ProfileSummary } from './engine/maas/profiles';
import { ProfileError, validateProfileName } from './engine/maas/profiles';

const fileSchema = z.object({
  version: z.literal(1),
  default: z.string().optional(),
  profiles: z.record(z.string(), z.object({ url: z.string(), encryptedApiKey: z.string() })),
});
type KeychainFile = z.infer<typeof fileSchema>;

/** What the settings say about where keys are kept. */
export function keychainStorage(): MaasKeyStorage {
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os';
  if (!safeStorage.isEncryptionAvailable()) {
    return {
      kind: 'keychain',
      detail: 'unavailable',
      warning:
        'No keychain is available to encrypt API keys, so Kiln cannot save MAAS profiles. Install and unlock a keyring (GNOME Keyring or KWallet).',
    };
  }
  if (backend === 'basic_text' || backend === 'unknown') {
    return {
      kind: 'keychain',
      detail: backend,
      warning:
        'This Linux session has no keyring (GNOME Keyring or KWallet): API keys are only obfuscated with a fixed password, not encrypted. Anyone who can read your files can read them. Install and unlock a keyring, then save the profiles again.',
    };
  }
  return { kind: 'keychain', detail: backend === 'os' ? `${process.platform} keychain` : backend };
}

export class KeychainProfileStore implements ProfileStore {
  readonly filePath: string;

  constructor(configDir: string) {
    this.filePath = join(configDir, 'maas-profiles-keychain.json');
  }

  async list(): Promise<ProfileSummary[]> {
    const data = await this.read();
    return Object.entries(data.profiles)
      .map(([name, p]) => ({ name, url: p.url, isDefault: data.default === name }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<MaasProfile | undefined> {
    const entry = (await this.read()).profiles[name];
    if (!entry) return undefined;
    try {
      return {
        name,
        url: entry.url,
        apiKey: safeStorage.decryptString(Buffer.from(entry.encryptedApiKey, 'base64')),
      };
    } catch (err) {
      throw new ProfileError(
        `the API key of MAAS profile "${name}" cannot be decrypted (${(err as Error).message}); the keychain may have changed: save the profile again`,
      );
    }
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
    if (!safeStorage.isEncryptionAvailable())
      throw new ProfileError('no keychain is available to encrypt the API key, so it is not saved');
    const encryptedApiKey = safeStorage.encryptString(profile.apiKey.trim()).toString('base64');
    const data = await this.read();
    data.profiles[profile.name] = { url, encryptedApiKey };
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

  private async read(): Promise<KeychainFile> {
    let text: string;
    try {
      text = await fs.readFile(this.filePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, profiles: {} };
      throw new ProfileError(`cannot read ${this.filePath}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ProfileError(
        `${this.filePath} is not valid JSON (${(err as Error).message}); fix it or remove it`,
      );
    }
    const result = fileSchema.safeParse(parsed);
    if (!result.success) throw new ProfileError(`${this.filePath} is damaged; fix it or remove it`);
    return result.data;
  }

  private async write(data: KeychainFile): Promise<void> {
    await fs.mkdir(dirname(this.filePath), { recursive: true, mode: 0o700 });
    const temp = `${this.filePath}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await fs.chmod(temp, 0o600);
      await fs.rename(temp, this.filePath);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw new ProfileError(`cannot write ${this.filePath}: ${(err as Error).message}`);
    }
  }
}
