/**
 * qemu builder benchmark: the same JSON cloud-image template built by Debian's packer 1.6.6
 * (`packer build`) and by Kiln (`kiln build`), on the same test guest (resources/guest), side by side.
 * Each build is its own process; the benchmark timestamps their output lines: time to the first
 * provisioner and total time.
 *
 *   npx tsx bench/qemu.bench.ts [--runs N] [--json]
 *
 * The template is one both tools can build: packer 1.6.6 has no efi_* keys and no cd_content, and its
 * use_backing_file lacks `-F` (qemu 7.2 refuses that), so OVMF, the disk and a ready-made NoCloud seed
 * are attached through qemuargs, and the disk image is copied. accelerator is tcg for both (KVM does
 * not work on the reference machine). Goal (docs/qemu.md): Kiln's total ≤ 0.8 × Packer's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import ssh2 from 'ssh2';
import { ensureGuest } from '../resources/guest/guest';
import { findUefiFirmware } from '../electron/engine/vm/firmware';

const root = resolve(new URL('.', import.meta.url).pathname, '..');
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } },
});
const runs = Number(values.runs);

const packer = '/usr/bin/packer';
if (spawnSync(packer, ['version']).status !== 0) {
  console.log('qemu bench skipped: Debian packer 1.6.6 is not installed at /usr/bin/packer');
  process.exit(0);
}
const firmware = findUefiFirmware();
if (!firmware) {
  console.log('qemu bench skipped: no OVMF firmware');
  process.exit(0);
}

const guest = await ensureGuest({ log: (line) => console.error(line) });
const work = mkdtempSync(join(tmpdir(), 'kiln-bench-qemu-'));
if (process.env.KILN_BENCH_KEEP !== '1')
  process.once('exit', () => rmSync(work, { recursive: true, force: true }));

const pair = ssh2.utils.generateKeyPairSync('ed25519');
// `kiln build` rebuilds its bundle when a source is newer: do that now, outside the timing.
const kiln = join(root, 'bin/kiln.mjs');
spawnSync(process.execPath, [kiln, 'version'], { stdio: 'ignore' });
const keyFile = join(work, 'id_ed25519');
writeFileSync(keyFile, pair.private);
chmodSync(keyFile, 0o600);
writeFileSync(join(work, 'meta-data'), 'instance-id: iid-bench\nlocal-hostname: bench\n');
writeFileSync(
  join(work, 'user-data'),
  `#cloud-config\nusers:\n  - name: packer\n    sudo: ALL=(ALL) NOPASSWD:ALL\n    ssh_authorized_keys:\n      - ${pair.public.trim()}\n`,
);
spawnSync('xorriso', [
  '-as',
  'genisoimage',
  '-quiet',
  '-rock',
  '-joliet',
  '-volid',
  'cidata',
  '-output',
  join(work, 'seed.iso'),
  join(work, 'meta-data'),
  join(work, 'user-data'),
]);
writeFileSync(join(work, 'payload.txt'), 'uploaded by the file provisioner\n');

const template = {
  variables: { out: 'output', vars: '' },
  builders: [
    {
      type: 'qemu',
      iso_url: guest.disk,
      iso_checksum: 'none',
      disk_image: true,
      format: 'qcow2',
      accelerator: 'tcg',
      headless: true,
      memory: 512,
      output_directory: '{{user `out`}}',
      vm_name: 'bench.qcow2',
      ssh_username: 'packer',
      ssh_private_key_file: keyFile,
      ssh_timeout: '10m',
      shutdown_command: 'sudo poweroff',
      qemuargs: [
        ['-drive', `if=pflash,format=raw,readonly=on,file=${firmware.code}`],
        ['-drive', 'if=pflash,format=raw,file={{user `vars`}}'],
        ['-drive', 'file={{ .OutputDir }}/{{ .Name }},if=virtio,cache=writeback,discard=ignore,format=qcow2'],
        ['-drive', `file=${join(work, 'seed.iso')},media=cdrom`],
        // KILN_BENCH_SERIAL=1: the guest console to a file for both tools (compares their guests' boots).
        ...(process.env.KILN_BENCH_SERIAL === '1' ? [['-serial', 'file:{{ .OutputDir }}.serial.log']] : []),
      ],
    },
  ],
  provisioners: [
    {
      type: 'shell',
      inline: ['echo "provisioning $(hostname)"', "sudo sh -c 'echo benched > /etc/kiln-bench'"],
    },
    { type: 'file', source: join(work, 'payload.txt'), destination: '/tmp/payload.txt' },
    { type: 'shell', inline: ['cat /tmp/payload.txt', 'sync'] },
  ],
};
const templatePath = join(work, 'bench.json');
writeFileSync(templatePath, JSON.stringify(template, null, 2));

interface Timing {
  tool: string;
  ok: boolean;
  firstProvisionerS: number;
  totalS: number;
}

/** Runs one build as a process and timestamps its output lines. */
function timeBuild(tool: string, command: string, args: string[]): Promise<Timing> {
  return new Promise((resolveTiming) => {
    const started = performance.now();
    let first = NaN;
    let tail = '';
    const output: string[] = [];
    const child = spawn(command, args, {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PACKER_LOG: '' },
    });
    const onData = (chunk: Buffer) => {
      tail += chunk.toString();
      let nl: number;
      while ((nl = tail.indexOf('\n')) >= 0) {
        const line = tail.slice(0, nl);
        tail = tail.slice(nl + 1);
        output.push(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)} ${line}`);
        if (Number.isNaN(first) && /Provisioning with shell script/.test(line))
          first = (performance.now() - started) / 1000;
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      const totalS = (performance.now() - started) / 1000;
      if (code !== 0) console.error(`${tool} failed:\n${output.slice(-30).join('\n')}`);
      if (process.env.KILN_BENCH_VERBOSE === '1') console.error(`--- ${tool}\n${output.join('\n')}`);
      resolveTiming({ tool, ok: code === 0, firstProvisionerS: first, totalS });
    });
  });
}

const results: Timing[] = [];
for (let i = 0; i < runs; i++) {
  // Alternate which tool goes first, so a drift in the machine's load favours neither.
  const order = i % 2 === 0 ? (['packer', 'kiln'] as const) : (['kiln', 'packer'] as const);
  for (const tool of order) {
    const out = `output-${tool}-${i}`;
    const vars = join(work, `vars-${tool}-${i}.fd`);
    copyFileSync(firmware.vars, vars);
    const timing =
      tool === 'packer'
        ? await timeBuild('packer 1.6.6', packer, [
            'build',
            '-var',
            `out=${out}`,
            '-var',
            `vars=${vars}`,
            templatePath,
          ])
        : await timeBuild('kiln', process.execPath, [
            kiln,
            'build',
            '-var',
            `out=${out}`,
            '-var',
            `vars=${vars}`,
            templatePath,
          ]);
    results.push(timing);
    if (process.env.KILN_BENCH_KEEP !== '1') rmSync(join(work, out), { recursive: true, force: true });
  }
}

const mean = (tool: string, key: 'firstProvisionerS' | 'totalS') => {
  const list = results.filter((r) => r.tool.startsWith(tool) && r.ok).map((r) => r[key]);
  return list.length ? list.reduce((a, b) => a + b, 0) / list.length : NaN;
};
const summary = {
  runs,
  packer: { firstProvisionerS: mean('packer', 'firstProvisionerS'), totalS: mean('packer', 'totalS') },
  kiln: { firstProvisionerS: mean('kiln', 'firstProvisionerS'), totalS: mean('kiln', 'totalS') },
  ratio: mean('kiln', 'totalS') / mean('packer', 'totalS'),
  results,
};
if (values.json) console.log(JSON.stringify(summary, null, 2));
else {
  const f = (n: number) => (Number.isNaN(n) ? '   -  ' : `${n.toFixed(1).padStart(5)} s`);
  console.log('qemu cloud-image build (TCG, same template, same guest)   first provisioner   total');
  console.log(
    `  packer 1.6.6                                            ${f(summary.packer.firstProvisionerS)}          ${f(summary.packer.totalS)}`,
  );
  console.log(
    `  kiln                                                    ${f(summary.kiln.firstProvisionerS)}          ${f(summary.kiln.totalS)}`,
  );
  console.log(
    `  kiln / packer (total; goal ≤ 0.80)                                          ${summary.ratio.toFixed(2)}`,
  );
}
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
