/**
 * Choosing the accelerator when a template leaves it unset. Packer picks KVM whenever /dev/kvm can be
 * opened; on some hosts (nested virtualisation without working EPT, say) a KVM guest then stops making
 * progress as soon as the firmware hands over to the kernel, and the build hangs until a timeout.
 * Kiln first boots a tiny guest under KVM that does what a kernel does first — enables paging, enters
 * 64-bit long mode — then writes `OK` to the serial port and powers off through isa-debug-exit. Only
 * when that completes within a few seconds is KVM used; otherwise TCG, and the log says why.
 * The verdict is cached per boot of the machine (and per qemu binary).
 */
import { spawn } from 'node:child_process';
import { constants, existsSync, openSync, closeSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeDir, removeQuietly } from './runtime';

/**
 * The probe guest: a multiboot (a.out kludge) image loaded at 1 MiB. 32-bit entry: PAE, CR3 = the
 * identity-mapped page tables below, EFER.LME, paging on, lgdt, far jump to a 64-bit code segment;
 * there it writes "OK\n" to COM1 and 0x10 to isa-debug-exit (qemu exits with status 33).
 */
export function probeImage(): Buffer {
  const image = Buffer.alloc(0x4000);
  const base = 0x100000;
  const header = [
    0x1badb002,
    0x00010000,
    (0x100000000 - 0x1badb002 - 0x00010000) >>> 0,
    base,
    base,
    0,
    0,
    base + 0x20,
  ];
  header.forEach((word, i) => image.writeUInt32LE(word >>> 0, i * 4));
  const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  const code32 = [
    ...[0x0f, 0x20, 0xe0], // mov eax, cr4
    ...[0x83, 0xc8, 0x20], // or eax, 0x20 (PAE)
    ...[0x0f, 0x22, 0xe0], // mov cr4, eax
    ...[0xb8, ...u32(base + 0x1000)], // mov eax, PML4
    ...[0x0f, 0x22, 0xd8], // mov cr3, eax
    ...[0xb9, ...u32(0xc0000080)], // mov ecx, IA32_EFER
    ...[0x0f, 0x32], // rdmsr
    ...[0x0d, ...u32(0x100)], // or eax, LME
    ...[0x0f, 0x30], // wrmsr
    ...[0x0f, 0x20, 0xc0], // mov eax, cr0
    ...[0x0d, ...u32(0x80000001)], // or eax, PG|PE
    ...[0x0f, 0x22, 0xc0], // mov cr0, eax
    ...[0x0f, 0x01, 0x15, ...u32(base + 0x88)], // lgdt [gdtr]
    ...[0xea, ...u32(base + 0x58), 0x08, 0x00], // jmp 0x08:long_entry
  ];
  const code64 = [
    ...[0x66, 0xba, 0xf8, 0x03], // mov dx, 0x3f8
    ...[0xb0, 0x4f, 0xee], // mov al, 'O'; out dx, al
    ...[0xb0, 0x4b, 0xee], // mov al, 'K'; out dx, al
    ...[0xb0, 0x0a, 0xee], // mov al, '\n'; out dx, al
    ...[0x66, 0xba, 0xf4, 0x00], // mov dx, 0xf4
    ...[0xb0, 0x10, 0xee], // mov al, 0x10; out dx, al (isa-debug-exit)
    ...[0xf4, 0xeb, 0xfd], // hlt; jmp $-1
  ];
  Buffer.from(code32).copy(image, 0x20);
  if (0x20 + code32.length !== 0x58) throw new Error('internal: probe code layout');
  Buffer.from(code64).copy(image, 0x58);
  // GDT: null, 64-bit code (L=1, P, DPL0, execute/read), data.
  image.writeBigUInt64LE(0x00209a0000000000n, 0x78);
  image.writeBigUInt64LE(0x0000920000000000n, 0x80);
  image.writeUInt16LE(3 * 8 - 1, 0x88);
  image.writeUInt32LE(base + 0x70, 0x8a);
  // Identity map of the first 2 MiB: PML4[0] → PDPT[0] → PD[0] = one 2 MiB page.
  image.writeBigUInt64LE(BigInt(base + 0x2000 + 3), 0x1000);
  image.writeBigUInt64LE(BigInt(base + 0x3000 + 3), 0x2000);
  image.writeBigUInt64LE(0x83n, 0x3000);
  return image;
}

export interface ProbeResult {
  ok: boolean;
  /** What happened, in words. */
  detail: string;
  ms: number;
}

/** Boots the probe guest with one accelerator. */
export function probeGuest(
  binary: string,
  accel: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 4000;
  const dir = join(runtimeDir(), `accel-probe-${process.pid}-${Date.now()}`);
  const kernel = `${dir}.img`;
  writeFileSync(kernel, probeImage());
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      binary,
      [
        '-machine',
        `pc,accel=${accel}`,
        '-m',
        '16',
        '-nodefaults',
        '-no-user-config',
        '-display',
        'none',
        '-serial',
        'stdio',
        '-device',
        'isa-debug-exit,iobase=0xf4,iosize=0x04',
        '-kernel',
        kernel,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    let settled = false;
    const finish = (result: Omit<ProbeResult, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      child.kill('SIGKILL');
      removeQuietly(kernel);
      resolve({ ...result, ms: Date.now() - started });
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          detail: out.includes('OK')
            ? `the test guest ran but did not power off within ${timeoutMs / 1000} s`
            : `a test guest made no progress under ${accel.toUpperCase()} within ${timeoutMs / 1000} s`,
        }),
      timeoutMs,
    );
    const onAbort = () => finish({ ok: false, detail: 'cancelled' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => finish({ ok: false, detail: `cannot run ${binary}: ${e.message}` }));
    child.on('exit', (code) => {
      if (code === 33 && out.includes('OK'))
        finish({ ok: true, detail: 'a test guest booted into 64-bit mode and powered off' });
      else {
        const why = err.trim().split('\n').pop() ?? '';
        finish({
          ok: false,
          detail: `the test guest failed under ${accel.toUpperCase()} (exit ${code})${why ? `: ${why}` : ''}`,
        });
      }
    });
  });
}

export interface AcceleratorChoice {
  accelerator: string;
  /** The sentence for the build log. */
  reason: string;
  /** True when the verdict came from this boot's cache. */
  cached: boolean;
}

interface CachedVerdict {
  bootId: string;
  binary: string;
  binaryMtimeMs: number;
  accelerator: string;
  reason: string;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** Why /dev/kvm cannot be used, or undefined when it opens read-write. */
export function kvmDeviceProblem(device = '/dev/kvm'): string | undefined {
  if (!existsSync(device)) return `${device} does not exist (no KVM on this host)`;
  try {
    closeSync(openSync(device, constants.O_RDWR));
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES'
      ? `${device}: permission denied (add yourself to the kvm group)`
      : `${device}: ${(err as Error).message}`;
  }
}

export interface ChooseOptions {
  /** qemu-system binary (resolved path). */
  binary: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Ignore the cached verdict. */
  fresh?: boolean;
  /** For tests: the cache file. */
  cacheFile?: string;
}

/**
 * The accelerator for `accelerator` unset: `kvm` when the probe guest boots under it, else `tcg`.
 * An explicit accelerator is never second-guessed (callers only ask when it is unset).
 */
export async function chooseAccelerator(options: ChooseOptions): Promise<AcceleratorChoice> {
  const cacheFile = options.cacheFile ?? join(runtimeDir(), 'accelerator.json');
  let mtime = 0;
  try {
    mtime = statSync(options.binary).mtimeMs;
  } catch {
    // Resolved later by qemu itself; the cache simply does not match.
  }
  const boot = bootId();
  if (!options.fresh) {
    try {
      const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as CachedVerdict;
      if (cached.bootId === boot && cached.binary === options.binary && cached.binaryMtimeMs === mtime) {
        return { accelerator: cached.accelerator, reason: cached.reason, cached: true };
      }
    } catch {
      // No verdict yet for this boot.
    }
  }
  let choice: { accelerator: string; reason: string };
  const problem = kvmDeviceProblem();
  if (problem) {
    choice = { accelerator: 'tcg', reason: `Using TCG (software emulation, slow): ${problem}.` };
  } else {
    const probe = await probeGuest(options.binary, 'kvm', {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    options.signal?.throwIfAborted();
    choice = probe.ok
      ? { accelerator: 'kvm', reason: `Using KVM: ${probe.detail} in ${probe.ms} ms.` }
      : {
          accelerator: 'tcg',
          reason: `Using TCG (software emulation, slow): /dev/kvm opens but KVM does not work here: ${probe.detail}.`,
        };
  }
  const verdict: CachedVerdict = { bootId: boot, binary: options.binary, binaryMtimeMs: mtime, ...choice };
  try {
    writeFileSync(cacheFile, JSON.stringify(verdict, null, 1), { mode: 0o600 });
  } catch {
    // A verdict that cannot be cached is probed again next time.
  }
  return { ...choice, cached: false };
}
