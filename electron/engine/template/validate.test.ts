/**
 * The corpus verdicts of ../shared/corpus/README.md: every real-world template gets the verdict a correct
 * engine gives, with `-syntax-only` and with full validation, and every diagnostic points inside its file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeHost } from '../node-host';
import { validateTemplate } from './validate';

const corpus = resolve(__dirname, '../../../../shared/corpus');
const present = existsSync(corpus);
if (!present) console.warn(`skipping corpus verdicts: ${corpus} is absent`);
const host = nodeHost({ cwd: corpus });

const syntaxInvalid = [
  'sdk/error-duplicate-config.json',
  'sdk/malformed.json',
  'sdk/parse-builder-no-type.json',
  'sdk/parse-provisioner-no-type.json',
  'sdk/parse-pp-no-type.json',
  'sdk/parse-builder-repeat.json',
  'jakobadam/windows.json',
  'c01-qemu-example-dir',
];
const syntaxValid = [
  'maas-ubuntu-cloudimg',
  'maas-centos7',
  'c02-qemu-efi',
  'goffinet-ubuntu2404',
  'goffinet-focal-hcl',
  'goffinet-json/focal.json',
  'goffinet-json/centos7.json',
  'kaorimatz/ubuntu-16.04-amd64.json',
  'kaorimatz/centos-7.4-x86_64.json',
  'kaorimatz/debian-9.4-amd64.json',
  'kaorimatz/archlinux-x86_64.json',
  'kaorimatz/openbsd-6.3-amd64.json',
  'jakobadam/ubuntu.json',
  'rgl-ubuntu',
  'rgl-windows',
  'sdk/parse-comment.json',
  'sdk/parse-monolithic.json',
  'sdk/parse-pp-multi.json',
  'sdk/validate-bad-override.json',
  'sdk/validate-bad-prov-only.json',
  'sdk/validate-no-builders.json',
  'upgrade-complete/input.json',
  'upgrade-minimal/input.json',
  'upgrade-source-name/input.json',
  'upgrade-error-cleanup-provisioner/input.json',
  'upgrade-escaping/input.json',
  'c01-qemu-example-dir/source.pkr.hcl',
];

function check(path: string, syntaxOnly: boolean, varFiles: string[] = []) {
  return validateTemplate(path, { vars: [], varFiles, syntaxOnly }, host);
}

function details(path: string, varFiles: string[] = []): string[] {
  return check(path, false, varFiles)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.summary} | ${d.detail}`);
}

describe.skipIf(!present)('corpus verdicts', () => {
  it.each(syntaxInvalid)('-syntax-only rejects %s', (path) => {
    expect(check(path, true).valid).toBe(false);
  });

  it.each(syntaxValid)('-syntax-only accepts %s', (path) => {
    expect(check(path, true).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('-syntax-only accepts bento with its var file', () => {
    expect(check('bento', true, ['bento-vars/ubuntu-24.04-x86_64.pkrvars.hcl']).valid).toBe(true);
  });

  it('names the duplicate field, the syntax error position and the missing types', () => {
    expect(details('sdk/error-duplicate-config.json').join('\n')).toContain(
      'template has duplicate field: foo',
    );
    const malformed = check('sdk/malformed.json', true).diagnostics[0];
    expect(malformed.detail).toMatch(/At line \d+, column \d+/);
    expect(malformed.range?.start.line).toBeGreaterThan(0);
    expect(details('sdk/parse-builder-no-type.json').join('\n')).toContain("builder 1: missing 'type'");
    expect(details('sdk/parse-builder-repeat.json').join('\n')).toContain(
      "builder with name 'something' already exists",
    );
    expect(details('jakobadam/windows.json').join('\n')).toContain('template has duplicate field: qemuargs');
    expect(details('c01-qemu-example-dir').join('\n')).toContain('Duplicate source block');
  });

  it('full validation adds the template-level errors the README lists', () => {
    expect(details('sdk/validate-bad-override.json').join('\n')).toMatch(/override '.*' doesn't exist/);
    expect(details('sdk/validate-bad-prov-only.json').join('\n')).toMatch(
      /'only' specified builder '.*' not found/,
    );
    expect(details('sdk/validate-no-builders.json').join('\n')).toContain(
      'at least one builder must be defined',
    );
    expect(details('sdk/parse-pp-multi.json').join('\n')).toContain('at least one builder must be defined');
    expect(details('sdk/parse-monolithic.json').join('\n')).toContain('required variable not set: three');
    expect(details('sdk/parse-comment.json').join('\n')).toMatch(
      /Unknown builder type "something"|Unknown builder something/,
    );
  });

  it.each(['kaorimatz/ubuntu-16.04-amd64.json', 'kaorimatz/centos-7.4-x86_64.json', 'jakobadam/ubuntu.json'])(
    'says iso_checksum_type is gone and offers the fix in %s',
    (path) => {
      const d = check(path, false).diagnostics.find((x) =>
        x.detail.includes("Deprecated configuration key: 'iso_checksum_type'"),
      );
      expect(d?.severity).toBe('error');
      expect(d?.detail).toContain('set "iso_checksum"');
      expect(d?.range?.file).toBe(path);
    },
  );

  it('names a referenced file that is missing, and where the template references it', () => {
    const d = check('goffinet-json/focal.json', false).diagnostics.find((x) =>
      x.summary.includes('names a file that does not exist'),
    );
    expect(d?.range?.file).toBe('goffinet-json/focal.json');
    expect(
      readFileSync(resolve(corpus, 'goffinet-json/focal.json'), 'utf8').split('\n')[
        (d?.range?.start.line ?? 1) - 1
      ],
    ).toContain('"script"');
  });

  it('reports components of plugins Kiln lacks as warnings, not errors', () => {
    const result = check('rgl-ubuntu', false);
    const foreign = result.diagnostics.filter((d) => /hyperv-iso|proxmox-iso/.test(d.summary));
    expect(foreign.length).toBeGreaterThan(0);
    expect(foreign.every((d) => d.severity === 'warning')).toBe(true);
  });

  it.each([...syntaxInvalid, ...syntaxValid])('every diagnostic of %s lies inside its file', (path) => {
    for (const d of check(path, false).diagnostics) {
      if (!d.range) continue;
      const text = readFileSync(resolve(corpus, d.range.file), 'utf8');
      expect(d.range.start.offset).toBeLessThanOrEqual(d.range.end.offset);
      expect(d.range.end.offset).toBeLessThanOrEqual(text.length);
    }
  });
});
