import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseAccelerator, kvmDeviceProblem, probeGuest, probeImage } from './accelerator';
import { consoleRoute, plumbingArgs, QemuVm } from './qemu-process';
import { screendump } from './qmp';
import { VmRegistry } from './registry';

const haveQemu = spawnSync('qemu-system-x86_64', ['--version']).status === 0;
if (!haveQemu) console.warn('qemu process tests skipped: qemu-system-x86_64 is not installed');

describe('console routing', () => {
  it('uses its own socket unless the template routes the serial port', () => {
    expect(consoleRoute(['-m', '512M'])).toEqual({ kind: 'socket' });
    expect(consoleRoute(['-serial', 'stdio'])).toEqual({ kind: 'stdout' });
    expect(consoleRoute(['-serial', 'mon:stdio'])).toEqual({ kind: 'stdout' });
    expect(consoleRoute(['-nographic'])).toEqual({ kind: 'stdout' });
    expect(consoleRoute(['-serial', 'file:serial.log'])).toEqual({
      kind: 'none',
      reason: 'qemuargs send the serial port to "file:serial.log"',
    });
    expect(plumbingArgs('/run/x', { kind: 'socket' })).toEqual([
      '-qmp',
      'unix:/run/x/qmp.sock,server=on,wait=off',
      '-chardev',
      'socket,id=kiln-console,path=/run/x/console.sock,server=on,wait=on',
      '-serial',
      'chardev:kiln-console',
    ]);
  });
});

describe('accelerator probe', () => {
  it('builds a multiboot image with its header and long-mode code in place', () => {
    const image = probeImage();
    expect(image.readUInt32LE(0)).toBe(0x1badb002);
    expect((image.readUInt32LE(0) + image.readUInt32LE(4) + image.readUInt32LE(8)) % 2 ** 32).toBe(0);
    expect(image.length).toBe(0x4000);
  });
  it('explains a missing /dev/kvm', () => {
    expect(kvmDeviceProblem('/dev/kiln-no-such-kvm')).toBe(
      '/dev/kiln-no-such-kvm does not exist (no KVM on this host)',
    );
  });
});

describe.skipIf(!haveQemu)('qemu processes (TCG)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-vm-'));
    process.env.KILN_RUNTIME_DIR = join(dir, 'run');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('boots the probe guest under TCG: paging, long mode, serial output, power off', async () => {
    const result = await probeGuest('qemu-system-x86_64', 'tcg', {
      timeoutMs: 20_000,
      computeBudgetMs: 15_000,
    });
    expect(result.ok, result.detail).toBe(true);
    expect(result.detail).toMatch(/ran 50 million loop iterations in \d+ ms/);
  });

  it('refuses an accelerator under which the guest runs far below hardware speed', async () => {
    // TCG stands in for a slow KVM: no emulator finishes 50 million iterations in 1 ms.
    const result = await probeGuest('qemu-system-x86_64', 'tcg', { timeoutMs: 20_000, computeBudgetMs: 1 });
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('far below hardware speed');
  });

  it('caches the accelerator verdict for this boot of the machine', async () => {
    const cacheFile = join(dir, 'accel.json');
    writeFileSync(
      cacheFile,
      JSON.stringify({
        bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
        binary: '/nonexistent/qemu',
        binaryMtimeMs: 0,
        accelerator: 'tcg',
        reason: 'cached reason',
      }),
    );
    expect(await chooseAccelerator({ binary: '/nonexistent/qemu', cacheFile })).toEqual({
      accelerator: 'tcg',
      reason: 'cached reason',
      cached: true,
    });
  });

  it('streams the serial console byte for byte (no \\r added), logs it, and cleans up', async () => {
    const kernel = join(dir, 'probe.img');
    writeFileSync(kernel, probeImage());
    const registry = new VmRegistry();
    const chunks: Buffer[] = [];
    const vm = await QemuVm.start({
      binary: 'qemu-system-x86_64',
      args: [
        '-machine',
        'pc,accel=tcg',
        '-m',
        '16',
        '-nodefaults',
        '-display',
        'none',
        '-device',
        'isa-debug-exit,iobase=0xf4,iosize=0x04',
        '-kernel',
        kernel,
      ],
      label: 'probe',
      consoleLog: join(dir, 'console.log'),
      onConsole: (c) => chunks.push(c),
      registry,
    });
    expect(registry.list().map((r) => r.id)).toEqual([vm.id]);
    const exit = await vm.waitForExit(30_000);
    expect(exit?.code).toBe(33);
    await vm.dispose();
    expect(Buffer.concat(chunks).toString('latin1')).toBe('SOK\n');
    expect(readFileSync(join(dir, 'console.log'), 'latin1')).toBe('SOK\n');
    expect(existsSync(vm.runDir)).toBe(false);
    expect(registry.list()).toEqual([]);
  });

  it('says why qemu failed to start', async () => {
    await expect(
      QemuVm.start({ binary: 'qemu-system-x86_64', args: ['-machine', 'no-such-machine'], label: 'bad' }),
    ).rejects.toThrow(/^Qemu failed to start \(exit 1\):\nqemu-system-x86_64: .*machine/s);
    await expect(QemuVm.start({ binary: '/nonexistent/qemu', args: [], label: 'bad' })).rejects.toThrow(
      'cannot run /nonexistent/qemu',
    );
  });

  it('takes a screenshot, sends a key combination and quits through QMP', async () => {
    const vm = await QemuVm.start({
      binary: 'qemu-system-x86_64',
      args: ['-machine', 'pc,accel=tcg', '-m', '32', '-display', 'none', '-vga', 'std'],
      label: 'screen',
    });
    try {
      const png = join(dir, 'screen.png');
      await screendump(vm.qmp!, png);
      expect(readFileSync(png).subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      );
      const started = Date.now();
      await vm.stop();
      expect(vm.hasExited).toBe(true);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await vm.dispose();
    }
  });
});
