/** `kiln init`: required_plugins answered from what Kiln builds in, on corpus templates and small ones. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io';
import { main } from '../main';

const corpus = path.resolve(__dirname, '../../../../shared/corpus');
const haveCorpus = existsSync(corpus);
if (!haveCorpus) console.warn(`skipping kiln init on the corpus: ${corpus} is absent`);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'kiln-init-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function init(...args: string[]) {
  const io = captureIo({ cwd: tmp });
  const code = await main(['init', ...args], io);
  return { code, ...io.out };
}

describe('kiln init', () => {
  it.skipIf(!haveCorpus)('says the qemu plugin packer-maas requires is built in', async () => {
    expect(await init(path.join(corpus, 'maas-ubuntu-cloudimg'))).toEqual({
      code: 0,
      stdout:
        'github.com/hashicorp/qemu (>= 1.1.0, < 1.1.2): built into Kiln as the qemu builder; nothing to install.\n',
      stderr: '',
    });
  });

  it.skipIf(!haveCorpus)('names every required plugin Kiln does not provide, and exits 1', async () => {
    const r = await init(path.join(corpus, 'rgl-windows'));
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')).toEqual([
      'github.com/hashicorp/qemu (1.1.6): built into Kiln as the qemu builder; nothing to install.',
      'github.com/hashicorp/proxmox (1.2.4): not provided by Kiln; its components (proxmox, proxmox-*) are checked but cannot be built.',
      'github.com/hashicorp/vagrant (1.1.7): not provided by Kiln; its components (vagrant, vagrant-*) are checked but cannot be built.',
      'github.com/hashicorp/hyperv (1.1.5): not provided by Kiln; its components (hyperv, hyperv-*) are checked but cannot be built.',
      'github.com/rgl/windows-update (0.18.4): not provided by Kiln; its components (windows-update, windows-update-*) are checked but cannot be built.',
      '',
    ]);
  });

  it('answers a template without requirements, a JSON template, and -upgrade', async () => {
    writeFileSync(path.join(tmp, 'plain.pkr.hcl'), 'source "null" "x" {\n  communicator = "none"\n}\n');
    writeFileSync(path.join(tmp, 't.json'), '{"builders": [{"type": "null", "communicator": "none"}]}');
    expect(await init('-upgrade', path.join(tmp, 'plain.pkr.hcl'))).toMatchObject({
      code: 0,
      stdout: 'No plugins requirement found, the components Kiln builds are built in.\n',
    });
    expect(await init(path.join(tmp, 't.json'))).toMatchObject({
      code: 0,
      stdout: 'A JSON template declares no required_plugins: nothing to install.\n',
    });
  });

  it('reports a packer block Kiln cannot honour, a missing template and bad usage', async () => {
    writeFileSync(path.join(tmp, 'v.pkr.hcl'), 'packer {\n  required_version = ">= 9.0"\n}\n');
    const version = await init(path.join(tmp, 'v.pkr.hcl'));
    expect(version.code).toBe(1);
    expect(version.stderr).toContain('Error: Unsupported Packer Core version');
    expect(version.stderr).toContain(`on ${path.join(tmp, 'v.pkr.hcl')} line 2, column 22:`);
    const missing = await init(path.join(tmp, 'nope.pkr.hcl'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`stat ${path.join(tmp, 'nope.pkr.hcl')}: no such file or directory`);
    const usage = await init();
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/^kiln init: one TEMPLATE or FOLDER is needed\n\nUsage: kiln init/);
  });
});
