/**
 * `dynamic` blocks that expand to nothing are still checked against the component's schema, as Packer
 * does (packer 1.6.6 `validate` on the first template: `Blocks of type "nosuch" are not expected here.`).
 */
import { describe, expect, it } from 'vitest';
import { memoryHost } from '../host';
import { validateTemplate } from '../validate';

function problems(text: string): string[] {
  const host = memoryHost({ files: { '/t/t.pkr.hcl': text }, cwd: '/t' });
  const result = validateTemplate('/t/t.pkr.hcl', { vars: [], varFiles: [], syntaxOnly: false }, host);
  return result.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.range ? `${d.range.start.line}: ` : ''}${d.summary}: ${d.detail}`);
}

const qemuBase = `  iso_url      = "x.iso"
  iso_checksum = "none"
  communicator = "none"
`;

describe('dynamic blocks that expand to nothing', () => {
  it('rejects a block type the component does not have (empty for_each)', () => {
    expect(
      problems(`source "null" "x" {
  communicator = "none"
  dynamic "nosuch" {
    for_each = []
    content {
      a = 1
    }
  }
}
build { sources = ["source.null.x"] }
`),
    ).toEqual(['3: Unsupported block type: Blocks of type "nosuch" are not expected here.']);
  });

  it('suggests a near block name and flags an argument written as a dynamic block', () => {
    expect(
      problems(`source "qemu" "x" {
${qemuBase}  dynamic "qemu_img_arg" {
    for_each = {}
    content {}
  }
  dynamic "boot_command" {
    for_each = []
    content {}
  }
}
build { sources = ["source.qemu.x"] }
`),
    ).toEqual([
      '5: Unsupported block type: Blocks of type "qemu_img_arg" are not expected here. Did you mean "qemu_img_args"?',
      '9: Unsupported block type: Blocks of type "boot_command" are not expected here. Did you mean to define argument "boot_command"? If so, use the equals sign to assign it a value.',
    ]);
  });

  it('accepts an empty dynamic block of a type the component has', () => {
    expect(
      problems(`source "qemu" "x" {
${qemuBase}  dynamic "qemu_img_args" {
    for_each = []
    content {
      create = ["-F", "qcow2"]
    }
  }
}
build { sources = ["source.qemu.x"] }
`),
    ).toEqual([]);
  });

  it('checks the content of a dynamic block whose for_each is unknown', () => {
    // A data source's value is unknown until the build runs it.
    const text = `data "http" "disks" { url = "https://example.invalid/disks" }
source "qemu" "x" {
${qemuBase}  dynamic "qemu_img_args" {
    for_each = jsondecode(data.http.disks.body)
    content {
      create = qemu_img_args.value
      bogus  = 1
    }
  }
  dynamic "nosuch" {
    for_each = data.http.disks.body
    content {}
  }
}
build { sources = ["source.qemu.x"] }
`;
    expect(problems(text)).toEqual([
      '10: Unsupported argument: An argument named "bogus" is not expected here.',
      '13: Unsupported block type: Blocks of type "nosuch" are not expected here.',
    ]);
  });
});
