/**
 * MAAS profiles for the desktop app, with API keys encrypted by the OS keychain through Electron's
 * safeStorage (GNOME Keyring / KWallet on Linux, Keychain on macOS, DPAPI on Windows). The file holds
 * names, URLs and encrypted keys only, mode 0600. Where Linux has no keyring, safeStorage falls back to
 * a fixed password ("basic_text"): keys are then only obfuscated, and the settings say so.
 */
import { join } from 'node:path';
import { safeStorage } from 'electron';
import type { MaasKeyStorage } from './api/types';
import { FileProfileStore, ProfileError, type ApiKeyCodec } from './engine/maas/profiles';

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

/** API keys sealed by safeStorage, base64 in the file. */
const keychainKeys: ApiKeyCodec = {
  field: 'encryptedApiKey',
  seal(apiKey) {
    if (!safeStorage.isEncryptionAvailable())
      throw new ProfileError('no keychain is available to encrypt the API key, so it is not saved');
    return safeStorage.encryptString(apiKey).toString('base64');
  },
  open(sealed, name) {
    try {
      return safeStorage.decryptString(Buffer.from(sealed, 'base64'));
    } catch (err) {
      throw new ProfileError(
        `the API key of MAAS profile "${name}" cannot be decrypted (${(err as Error).message}); the keychain may have changed: save the profile again`,
      );
    }
  },
};

/** The CLI's profile file, with keys sealed by the keychain and kept in a file of the app's own. */
export class KeychainProfileStore extends FileProfileStore {
  constructor(configDir: string) {
    super(join(configDir, 'maas-profiles-keychain.json'), () => {}, keychainKeys);
  }
}
