/**
 * Choosing the accelerator when a template leaves it unset. Packer picks KVM whenever /dev/kvm can be
 * opened; on some hosts (nested virtualisation without working EPT, say) a KVM guest then stops making
 * progress as soon as the firmware hands over to the kernel, and the build hangs until a timeout.
 * Kiln first boots a tiny guest under KVM that does what a kernel does first — enables paging, enters
 * 64-bit long mode — then counts down from 50 million and powers off through isa-debug-exit. Entering
 * long mode is not enough: on this kind of host the guest does run, but each instruction costs
 * microseconds (the kernel's decompressor then takes minutes), so the countdown must also finish in
 * about the time real hardware needs — a few milliseconds, where TCG takes a few hundred. Only then is
 * KVM used; otherwise TCG, and the log says why.
 * The verdict is cached per boot of the machine (and per qemu binary).
 */
import { spawn } from 'node:child_process';
import { constants, existsSync, openSync, closeSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeDir, removeQuietly } from './runtime';

/**
 * The probe guest: a multiboot (a.out kludge) image loaded at 1 MiB. 32-bit entry: PAE, CR3 = the
 * identity-mapped page tables below, EFER.LME, paging on, lgdt, far jump to a 64-bit code segment;
 * there it writes "S" to COM1, counts ECX down from PROBE_LOOPS, writes "OK\n" and 0x10 to
 * isa-debug-exit (qemu exits with status 33). The host times "S" to "OK".
 */
export const PROBE_LOOPS = 50_000_000;

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
  const GDT = 0x800;
  const GDTR = GDT + 0x18;
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
    ...[0x0f, 0x01, 0x15, ...u32(base + GDTR)], // lgdt [gdtr]
    ...[0xea, ...u32(base + 0x58), 0x08, 0x00], // jmp 0x08:long_entry
  ];
  const code64 = [
    ...[0x66, 0xba, 0xf8, 0x03], // mov dx, 0x3f8
    ...[0xb0, 0x53, 0xee], // mov al, 'S'; out dx, al
    ...[0xb9, ...u32(PROBE_LOOPS)], // mov ecx, PROBE_LOOPS
    ...[0xff, 0xc9, 0x75, 0xfc], // loop: dec ecx; jnz loop
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
  if (0x58 + code64.length > GDT) throw new Error('internal: probe code layout');
  image.writeBigUInt64LE(0x00209a0000000000n, GDT + 8);
  image.writeBigUInt64LE(0x0000920000000000n, GDT + 16);
  image.writeUInt16LE(3 * 8 - 1, GDTR);
  image.writeUInt32LE(base + GDT, GDTR + 2);
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
  options: {
    /** For the whole run: starting a KVM VM takes seconds on some hosts. */
    timeoutMs?: number;
    /** For the countdown, from "S" to "OK": hardware needs milliseconds, TCG a few hundred. */
    computeBudgetMs?: number;
    signal?: AbortSignal;
  } = {},
): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const computeBudgetMs = options.computeBudgetMs ?? 1500;
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
    let computeStarted = 0;
    let computeMs = 0;
    let budgetTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (!computeStarted && out.includes('S')) {
        computeStarted = Date.now();
        budgetTimer = setTimeout(
          () =>
            finish({
              ok: false,
              detail: `a test guest runs under ${accel.toUpperCase()} but far below hardware speed (${PROBE_LOOPS / 1e6} million loop iterations not done in ${computeBudgetMs} ms)`,
            }),
          computeBudgetMs,
        );
      }
      if (computeStarted && !computeMs && out.includes('OK')) computeMs = Date.now() - computeStarted;
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    let settled = false;
    const finish = (result: Omit<ProbeResult, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(budgetTimer);
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
        finish({
          ok: true,
          detail: `a test guest booted into 64-bit mode, ran ${PROBE_LOOPS / 1e6} million loop iterations in ${computeMs} ms and powered off`,
        });
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
