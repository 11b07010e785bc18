/**
 * Test support for the qemu builder's integration tests: whether real qemu/OVMF/test guests are
 * here (and why not), running a template through a BuildSession with its events collected, reading
 * files out of a built disk without root (qemu-img convert + debugfs at the partition's offset), and
 * checking that nothing a VM owned is left behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildEvent } from '../../../build/events';
import { BuildSession } from '../../../build/session';
import type { RunResult } from '../../../build/session';
import { findUefiFirmware } from '../../../vm/firmware';
import type { UefiFirmware } from '../../../vm/firmware';
import { runtimeDir } from '../../../vm/runtime';
import { prepareBuilds } from '../../../build/plan';
import { nodeHost } from '../../../node-host';
import { loadTemplate } from '../../../template/load';

function onPath(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Why the qemu integration tests cannot run here, or undefined. */
export function qemuUnavailableReason(): string | undefined {
  const missing = ['qemu-system-x86_64', 'qemu-img', 'debugfs', 'xorriso'].filter((t) => !onPath(t));
  if (missing.length)
    return `qemu integration tests skipped: ${missing.join(', ')} not installed (see .ci/run)`;
  if (!findUefiFirmware()) return 'qemu integration tests skipped: no OVMF firmware (package ovmf)';
  return undefined;
}

export function uefi(): UefiFirmware {
  const found = findUefiFirmware();
  if (!found) throw new Error('no OVMF');
  return found;
}

export interface TemplateRun {
  result: RunResult;
  events: BuildEvent[];
  /** The log as Packer prints it (`==> build: text`), for assertions and failure messages. */
  log: string;
  /** The console bytes (serial), concatenated. */
  console: Buffer;
}

export function formatEvent(event: BuildEvent): string | undefined {
  if (event.type === 'log') {
    const prefix = event.level === 'message' ? '    ' : '==> ';
    return event.text
      .split('\n')
      .map((line) => `${prefix}${event.target ? `${event.target}: ` : ''}${line}`)
      .join('\n');
  }
  if (event.type === 'build-finished') {
    return event.status === 'succeeded'
      ? `Build '${event.build}' finished.`
      : `Build '${event.build}' ${event.status}: ${event.error ?? ''}`;
  }
  return undefined;
}

export interface RunTemplateOptions {
  cwd: string;
  vars?: Record<string, string>;
  force?: boolean;
  /** Called for each event (a test may cancel at a chosen moment). */
  onEvent?: (event: BuildEvent, session: BuildSession) => void;
  /** Echo the log to stdout as it comes (set KILN_TEST_VERBOSE=1). */
  verbose?: boolean;
}

export async function runTemplate(path: string, options: RunTemplateOptions): Promise<TemplateRun> {
  const host = nodeHost({ cwd: options.cwd, env: process.env });
  const template = loadTemplate(path, { vars: Object.entries(options.vars ?? {}), varFiles: [] }, host);
  const loadErrors = template.diagnostics.filter((d) => d.severity === 'error');
  if (loadErrors.length) throw new Error(loadErrors.map((d) => `${d.summary}: ${d.detail}`).join('\n'));
  const planned = prepareBuilds(template.builds, {
    template,
    host,
    cwd: options.cwd,
    force: options.force ?? false,
  });
  if (planned.failures.length)
    throw new Error(planned.failures.map((f) => `${f.build}: ${f.error}`).join('\n'));
  const session = new BuildSession(planned.builds, {
    debug: false,
    force: options.force ?? false,
    onError: 'cleanup',
    parallel: 0,
    cwd: options.cwd,
    sensitiveValues: template.sensitiveValues ?? [],
    canAnswer: false,
  });
  const events: BuildEvent[] = [];
  const lines: string[] = [];
  const consoleChunks: Buffer[] = [];
  const verbose = options.verbose ?? process.env.KILN_TEST_VERBOSE === '1';
  session.subscribe((event) => {
    events.push(event);
    if (event.type === 'console') consoleChunks.push(Buffer.from(event.data));
    const line = formatEvent(event);
    if (line !== undefined) {
      lines.push(line);
      if (verbose) console.log(line);
    }
    options.onEvent?.(event, session);
  });
  const result = await session.run();
  return { result, events, log: lines.join('\n'), console: Buffer.concat(consoleChunks) };
}

/** Reads files from the ext4 root partition of a built disk (qcow2 or raw, backing chain included). */
export class DiskReader {
  private readonly dir: string;
  private readonly raw: string;

  constructor(
    disk: string,
    private readonly partitionOffset: number,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'kiln-disk-'));
    this.raw = join(this.dir, 'disk.raw');
    execFileSync('qemu-img', ['convert', '-U', '-O', 'raw', disk, this.raw]);
  }

  private debugfs(request: string): string {
    return execFileSync('debugfs', ['-R', request, `${this.raw}?offset=${this.partitionOffset}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  cat(path: string): string {
    return this.debugfs(`cat ${path}`);
  }

  /** The permission bits (mode & 0o7777). */
  mode(path: string): number {
    const m = /Mode:\s+(\d+)/.exec(this.debugfs(`stat ${path}`));
    if (!m) throw new Error(`no mode for ${path}`);
    return parseInt(m[1], 8);
  }

  exists(path: string): boolean {
    return !/File not found|not found by ext2_lookup/.test(
      spawnSync('debugfs', ['-R', `stat ${path}`, `${this.raw}?offset=${this.partitionOffset}`], {
        encoding: 'utf8',
      }).stderr,
    );
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** qemu processes whose command line mentions a path (the test's own work folder). */
export function qemuProcessesUsing(path: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes('qemu-system') && cmdline.includes(path)) {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') pids.push(Number(name));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** What this process left in Kiln's runtime dir: VM records, VM folders (sockets). */
export function runtimeLeftovers(): string[] {
  const dir = runtimeDir();
  const out: string[] = [];
  for (const sub of ['vms', 'vm']) {
    const path = join(dir, sub);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path)) out.push(join(sub, name));
  }
  return out;
}
