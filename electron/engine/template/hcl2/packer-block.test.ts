/**
 * `required_version` is checked against the Packer version Kiln follows (PACKER_COMPAT_VERSION, 1.15.4):
 * packer-maas's vmware-esxi (`>= 1.12.0`) loads; a constraint only Packer 1.16 meets does not.
 */
import { describe, expect, it } from 'vitest';
import { memoryHost } from '../host';
import { PACKER_COMPAT_VERSION } from '../../version';
import { validateTemplate } from '../validate';
import { loadHclTemplate } from './load';

function load(constraint: string) {
  const text = `packer {
  required_version = "${constraint}"
}
source "null" "x" {
  communicator = "none"
}
build { sources = ["source.null.x"] }
`;
  const host = memoryHost({ files: { '/t/t.pkr.hcl': text }, cwd: '/t' });
  return loadHclTemplate('/t', { vars: [], varFiles: [] }, host).diagnostics.map(
    (d) => `${d.summary}: ${d.detail}`,
  );
}

describe('required_version', () => {
  it('follows Packer 1.15.4', () => {
    expect(PACKER_COMPAT_VERSION).toBe('1.15.4');
  });

  it('accepts the constraints of templates written for Packer 1.12 to 1.15', () => {
    expect(load('>= 1.12.0')).toEqual([]);
    expect(load('>= 1.13.0, < 2.0.0')).toEqual([]);
    expect(load('~> 1.15')).toEqual([]);
  });

  it('rejects a constraint only a newer Packer meets', () => {
    expect(load('>= 1.16.0')).toEqual([
      'Unsupported Packer Core version: This configuration does not support Packer version 1.15.4, the Packer semantics Kiln follows. The constraint is ">= 1.16.0". To proceed, either change the version constraint or use a Packer release that satisfies it.',
    ]);
  });

  it("does not know 1.16's continue_on_error, the reason Kiln does not claim 1.16", () => {
    const text = `source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline            = ["true"]
    continue_on_error = true
  }
}
`;
    const host = memoryHost({ files: { '/t/t.pkr.hcl': text }, cwd: '/t' });
    const result = validateTemplate('/t/t.pkr.hcl', { vars: [], varFiles: [] }, host);
    expect(result.diagnostics.map((d) => d.detail)).toEqual([
      'An argument named "continue_on_error" is not expected here.',
    ]);
  });
});
