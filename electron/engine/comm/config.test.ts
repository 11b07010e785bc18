import { describe, expect, it } from 'vitest';
import { withKeyFileFrom } from './config';

describe('withKeyFileFrom', () => {
  it('resolves a relative ssh_private_key_file against the build folder, not the process cwd', () => {
    expect(
      withKeyFileFrom({ ssh_private_key_file: 'keys/id_ed25519' }, '/work/vm').ssh_private_key_file,
    ).toBe('/work/vm/keys/id_ed25519');
  });

  it('keeps absolute and ~/ paths, and configs without a key file, as they are', () => {
    const absolute = { ssh_private_key_file: '/etc/key' };
    expect(withKeyFileFrom(absolute, '/work/vm')).toBe(absolute);
    expect(withKeyFileFrom({ ssh_private_key_file: '~/.ssh/id' }, '/work/vm').ssh_private_key_file).toBe(
      '~/.ssh/id',
    );
    const none = { ssh_username: 'packer' };
    expect(withKeyFileFrom(none, '/work/vm')).toBe(none);
  });
});
