import { describe, expect, it } from 'vitest';
import { Masker } from './mask';

describe('Masker', () => {
  it('replaces every occurrence, longest secret first', () => {
    const m = new Masker(['abc', 'abcdef', '']);
    expect(m.mask('x abcdef y abc')).toBe('x <sensitive> y <sensitive>');
    expect(m.size).toBe(2);
  });

  it('masks a private key line by line, not its armour', () => {
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUA\nAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz\n-----END OPENSSH PRIVATE KEY-----\n';
    const m = new Masker([key]);
    expect(m.mask('line: AAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz')).toBe('line: <sensitive>');
    expect(m.mask('-----BEGIN OPENSSH PRIVATE KEY-----')).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
  });
});
