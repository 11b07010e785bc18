/**
 * Side by side with Debian's packer 1.6.6: JSON templates with a qemu, null or file builder and Kiln's
 * provisioners and post-processors; `packer validate` and Kiln must word the failing component's errors
 * the same. Where modern Packer (which Kiln follows) changed since 1.6.6, the case records both texts.
 * Skips cleanly when /usr/bin/packer is absent.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigObject } from '../config';
import type { TemplateHost } from '../host';
import type { ComponentKind } from '../model';
import { decodeComponent } from './index';
import { locateJson } from './testing/locate';

const PACKER = '/usr/bin/packer';
const available = existsSync(PACKER);
if (!available) console.warn('packer 1.6.6 side-by-side tests skipped: /usr/bin/packer is absent');

interface Case {
  name: string;
  template: Record<string, unknown>;
  files?: Record<string, string>;
  /** Where 1.6.6 differs from modern Packer: what 1.6.6 says instead (whitespace-collapsed), and why. */
  packer166?: { text: string | undefined; why: string };
}

const iso = { iso_url: 'http://example.com/x.iso', iso_checksum: 'none', ssh_username: 'root' };
const qemu = (config: ConfigObject) => ({ builders: [{ type: 'qemu', ...iso, ...config }] });
const nullNone = { type: 'null', communicator: 'none' };
const withProv = (...provisioners: ConfigObject[]) => ({ builders: [nullNone], provisioners });
const withPP = (...pps: ConfigObject[]) => ({ builders: [nullNone], 'post-processors': pps });

const CASES: Case[] = [
  { name: 't09 unknown builder key', template: { builders: [{ ...nullNone, bogus_key: 1 }] } },
  {
    name: 't14 shell-local with nothing to run',
    template: withProv({ type: 'shell-local' }, { type: 'shell-local', inline: ['a'], script: 'nope.sh' }),
  },
  {
    name: 't15 provisioner unknown key',
    template: withProv({ type: 'shell-local', inline: ['echo hi'], bogus_prov: 2 }),
  },
  {
    name: 't16 qemu',
    template: qemu({
      disk_interface: 'bogus',
      format: 'vmdk',
      accelerator: 'foo',
      boot_command: ['<wait0>'],
    }),
  },
  {
    name: 't17 qemu ok',
    template: qemu({ ssh_password: 'x', ssh_timeout: '20m', headless: true, qemuargs: [['-m', '2048M']] }),
  },
  {
    name: 't18 boot command waits',
    template: qemu({ communicator: 'none', boot_command: ['<wait0><wait-1s>'] }),
  },
  {
    name: 'weak decoding errors',
    template: qemu({ memory: 'lots', headless: 'yes', cpus: [1], ssh_timeout: 'xx' }),
  },
  {
    name: 'weak decoding accepts',
    template: qemu({ memory: '2048', headless: 'true', vm_name: 42, disk_size: 1024 }),
  },
  { name: 'iso url and urls', template: qemu({ iso_urls: ['a', 'b'] }) },
  { name: 'no iso url', template: { builders: [{ type: 'qemu', iso_checksum: 'none', ssh_username: 'u' }] } },
  { name: 'no checksum', template: qemu({ iso_checksum: '' }) },
  { name: 'bad checksums', template: qemu({ iso_checksum: 'sha256:xyz', disk_size: '10X' }) },
  { name: 'odd checksum', template: qemu({ iso_checksum: 'sha256:abc' }) },
  { name: 'checksum type', template: qemu({ iso_checksum: 'crc32:abcd' }) },
  { name: 'checksum length', template: qemu({ iso_checksum: 'abcd' }) },
  { name: 'iso checksum', template: qemu({ iso_checksum: 'ubuntu.iso' }) },
  { name: 'good checksum', template: qemu({ iso_checksum: 'SHA256:' + 'ab'.repeat(32) }) },
  {
    name: 'disk options',
    template: qemu({
      format: 'raw',
      use_backing_file: true,
      skip_resize_disk: true,
      disk_cache: 'x',
      disk_discard: 'x',
      disk_detect_zeroes: 'x',
    }),
  },
  {
    name: 'ports',
    template: qemu({
      host_port_min: 5000,
      host_port_max: 4000,
      vnc_port_min: 6100,
      vnc_port_max: 6000,
      http_port_min: 9500,
    }),
  },
  {
    name: 'vnc below 5900',
    template: qemu({ vnc_port_min: 5000, vnc_port_max: 5100 }),
    packer166: { text: undefined, why: 'the 5900 and 65535 VNC checks are newer than 1.6.6' },
  },
  {
    name: 'sd disk interface',
    template: qemu({ disk_interface: 'sd' }),
    packer166: {
      text: '1 error(s) occurred: * unrecognized disk interface type',
      why: '`sd` was added in qemu plugin 1.1',
    },
  },
  { name: 'boot_command without vnc', template: qemu({ boot_command: ['a'], disable_vnc: true }) },
  { name: 'ssh username', template: qemu({ ssh_username: '' }) },
  {
    name: 'ssh options',
    template: qemu({
      ssh_file_transfer_method: 'rsync',
      ssh_bastion_host: 'j',
      ssh_proxy_host: 'p',
      ssh_bastion_password: 'x',
    }),
  },
  {
    name: 'ssh bastion and certificate',
    template: qemu({ ssh_certificate_file: 'c', ssh_bastion_host: 'j' }),
    packer166: {
      text: '1 error(s) occurred: * ssh_bastion_password or ssh_bastion_private_key_file must be specified',
      why: 'ssh_bastion_agent_auth and the certificate check are newer than 1.6.6',
    },
  },
  { name: 'ssh key file', template: qemu({ ssh_private_key_file: 'nope.pem' }) },
  { name: 'communicator type', template: qemu({ communicator: 'telnet' }) },
  { name: 'winrm username', template: qemu({ communicator: 'winrm' }) },
  {
    name: 'floppy files',
    template: qemu({ floppy_files: ['here.cfg', 'nope.cfg'], floppy_dirs: ['nodir'] }),
    files: { 'here.cfg': 'x' },
  },
  { name: 'removed iso_checksum_type', template: qemu({ iso_checksum_type: 'md5', iso_checksum: 'abc' }) },
  { name: 'ssh_host_port warnings', template: qemu({ ssh_host_port_min: 3000, ssh_host_port_max: 3100 }) },
  {
    name: 'output directory exists',
    template: qemu({ output_directory: 'out' }),
    files: { 'out/disk': 'x' },
  },
  { name: 'null builder with ssh', template: { builders: [{ type: 'null' }] } },
  {
    name: 'null builder auth',
    template: {
      builders: [{ type: 'null', ssh_host: 'h', ssh_username: 'u', ssh_password: 'p', ssh_agent_auth: true }],
    },
  },
  {
    name: 'file builder target',
    template: { builders: [{ type: 'file', content: 'x', source: 'here' }] },
    files: { here: 'x' },
  },
  { name: 'file builder blank', template: { builders: [{ type: 'file', target: 't' }] } },
  { name: 'shell nothing', template: withProv({ type: 'shell' }) },
  {
    name: 'shell script and scripts',
    template: withProv({ type: 'shell', script: 's.sh', scripts: ['s.sh'] }),
    files: { 's.sh': '' },
  },
  {
    name: 'shell script and inline',
    template: withProv({ type: 'shell', script: 's.sh', inline: ['x'] }),
    files: { 's.sh': '' },
  },
  {
    name: 'shell missing script and bad env',
    template: withProv({ type: 'shell', scripts: ['nope.sh'], environment_vars: ['X', '=y'] }),
  },
  {
    name: 'shell bad duration',
    template: withProv({ type: 'shell', inline: ['a'], start_retry_timeout: '5' }),
  },
  { name: 'file provisioner', template: withProv({ type: 'file', source: 'nope', direction: 'sideways' }) },
  {
    name: 'file provisioner content',
    template: withProv({ type: 'file', source: 'here', content: 'x', destination: '/tmp/x' }),
    files: { here: 'x' },
    packer166: {
      text: `1 error occurred: * unknown configuration key: '"content"'`,
      why: '`content` is newer than 1.6.6',
    },
  },
  {
    name: 'file provisioner destination',
    template: withProv({ type: 'file', source: 'here' }),
    files: { here: 'x' },
  },
  {
    name: 'shell-local too many',
    template: withProv({ type: 'shell-local', inline: ['a'], script: 's.sh', command: 'c' }),
    files: { 's.sh': '' },
  },
  {
    name: 'shell-local only_on',
    template: withProv({ type: 'shell-local', inline: ['a'], only_on: ['plan9'] }),
  },
  {
    name: 'shell-local env',
    template: withProv({ type: 'shell-local', inline: ['a'], environment_vars: ['nope'] }),
  },
  { name: 'breakpoint key', template: withProv({ type: 'breakpoint', notes: 'x' }) },
  { name: 'compress ok', template: withPP({ type: 'compress', output: 'a.tar.gz', compression_level: 12 }) },
  { name: 'compress key', template: withPP({ type: 'compress', level: 1 }) },
  { name: 'checksum types', template: withPP({ type: 'checksum', checksum_types: ['md5', 'crc32'] }) },
  { name: 'manifest filename', template: withPP({ type: 'manifest', filename: 'x.json' }) },
  { name: 'artifice files', template: withPP({ type: 'artifice' }) },
  { name: 'shell-local post-processor', template: withPP({ type: 'shell-local' }) },
];

const collapse = (text: string | undefined) => text?.replace(/\s+/g, ' ').trim();

function runPacker(dir: string, file: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      PACKER,
      ['validate', file],
      { cwd: dir, env: { ...process.env, CHECKPOINT_DISABLE: '1', PACKER_LOG: '' } },
      (err, stdout) => {
        resolvePromise({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout });
      },
    );
  });
}

/** Packer's text after `Failed to prepare build: "<name>"`, and its warnings (one block each). */
function packerReport(stdout: string): { error?: string; warning?: string } {
  const error = /Error: Failed to prepare build: "[^"]*"\n\n([\s\S]*)$/.exec(stdout)?.[1];
  const warnings = stdout
    .split(/Warning: Warning when preparing build: "[^"]*"\n\n/)
    .slice(1)
    .map((block) => collapse(block));
  return { error: collapse(error), warning: warnings.length ? warnings.join(' ') : undefined };
}

function fsHost(cwd: string): TemplateHost {
  const abs = (p: string) => (p.startsWith('/') ? p : join(cwd, p));
  return {
    readFile: (p) => readFileSync(abs(p), 'utf8'),
    readFileBytes: (p) => readFileSync(abs(p)),
    readDir: (p) =>
      readdirSync(abs(p), { withFileTypes: true }).map((d) => ({
        name: d.name,
        isDirectory: d.isDirectory(),
      })),
    stat: (p) => {
      try {
        return statSync(abs(p)).isDirectory() ? 'dir' : 'file';
      } catch {
        return undefined;
      }
    },
    env: (name) => process.env[name],
    envNames: () => Object.keys(process.env),
    cwd: () => cwd,
    homeDir: () => process.env.HOME ?? '/',
    now: () => new Date(),
    randomUUID: () => crypto.randomUUID(),
  };
}

/** Kiln's report for a JSON template: the first failing component, as Packer prepares them. */
function kilnReport(template: Record<string, unknown>, dir: string): { error?: string; warning?: string } {
  const components: { kind: ComponentKind; config: ConfigObject }[] = [];
  for (const b of (template.builders as ConfigObject[]) ?? [])
    components.push({ kind: 'builder', config: b });
  for (const p of (template.provisioners as ConfigObject[]) ?? [])
    components.push({ kind: 'provisioner', config: p });
  for (const p of (template['post-processors'] as ConfigObject[]) ?? [])
    components.push({ kind: 'post-processor', config: p });
  const builder = (template.builders as ConfigObject[])[0];
  const buildName = String(builder.name ?? builder.type);
  let warning: string | undefined;
  for (const { kind, config } of components) {
    const result = decodeComponent(kind, String(config.type), locateJson(JSON.stringify(config)), {
      dialect: 'json',
      buildName,
      host: fsHost(dir),
    });
    if (kind === 'builder' && result.packerWarnings.length)
      warning = collapse(result.packerWarnings.join('\n'));
    if (result.packerError) return { error: collapse(result.packerError), warning };
  }
  return { warning };
}

describe.skipIf(!available)('packer 1.6.6 side by side', () => {
  const root = available ? mkdtempSync(join(tmpdir(), 'kiln-schema-packer-')) : '';
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  // Run packer for every case up front, two at a time (the machine is shared).
  const reports = new Map<string, Promise<{ error?: string; warning?: string }>>();
  const queue = [...CASES];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const dir = join(root, c.name.replace(/\W+/g, '-'));
      mkdirSync(dir, { recursive: true });
      for (const [name, text] of Object.entries(c.files ?? {})) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      writeFileSync(join(dir, 't.json'), JSON.stringify(c.template, null, 2));
      const run = runPacker(dir, 't.json').then(({ stdout }) => packerReport(stdout));
      reports.set(c.name, run);
      await run;
    }
  };
  const all = available ? Promise.all([worker(), worker()]) : Promise.resolve([]);

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await all;
    const packer = await reports.get(c.name)!;
    const kiln = kilnReport(c.template, join(root, c.name.replace(/\W+/g, '-')));
    if (process.env.KILN_SHOW_166)
      console.log(
        `${c.name}\n  packer: ${packer.error} | ${packer.warning}\n  kiln:   ${kiln.error} | ${kiln.warning}`,
      );
    if (c.packer166) {
      expect(packer.error, `1.6.6 (${c.packer166.why})`).toBe(c.packer166.text);
      expect(kiln.error, 'Kiln follows modern Packer here').not.toBe(packer.error);
    } else {
      expect(kiln.error).toBe(packer.error);
      // Packer prints a component's warnings only when it prepared without errors.
      if (packer.error === undefined) expect(kiln.warning).toBe(packer.warning);
    }
  });
});
