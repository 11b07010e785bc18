/**
 * The VMs Kiln has running, one record per VM in `<runtime>/vms/<id>.json`: the qemu process, the
 * Kiln process that owns it, and the sockets and temporary files to remove with it. A VM whose owner
 * died (the app crashed, the CLI was killed with SIGKILL) is reaped at the next start: its qemu is
 * stopped and its files removed. Records outlive nothing but the machine's uptime (runtime dir).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessIdentity } from './process-identity';
import { identify, isAlive } from './process-identity';
import { removeQuietly, runtimePath } from './runtime';

export interface VmRecord {
  id: string;
  /** What the VM is for (the build name), for messages. */
  label: string;
  qemu: ProcessIdentity;
  owner: ProcessIdentity;
  /** Sockets, pid files, temp folders: removed when the VM is reaped. */
  paths: string[];
  startedAt: string;
}

export interface ReapedVm {
  record: VmRecord;
  /** True when its qemu was still running and was stopped. */
  killed: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class VmRegistry {
  readonly dir: string;

  constructor(dir?: string) {
    this.dir = dir ?? runtimePath('vms');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  private file(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** Records a VM started by this process. */
  register(record: Omit<VmRecord, 'owner' | 'startedAt'> & Partial<Pick<VmRecord, 'owner'>>): VmRecord {
    const full: VmRecord = {
      ...record,
      owner: record.owner ?? identify(process.pid),
      startedAt: new Date().toISOString(),
    };
    this.write(full);
    return full;
  }

  /** Adds paths to remove with the VM (a temp file made after it started). */
  addPaths(id: string, paths: string[]): void {
    const record = this.read(id);
    if (!record) return;
    this.write({ ...record, paths: [...record.paths, ...paths] });
  }

  unregister(id: string): void {
    rmSync(this.file(id), { force: true });
  }

  read(id: string): VmRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.file(id), 'utf8')) as VmRecord;
    } catch {
      return undefined;
    }
  }

  list(): VmRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => this.read(n.slice(0, -5)))
      .filter((r): r is VmRecord => r !== undefined);
  }

  /** Stops and cleans up every VM whose owning process is gone. */
  async reapOrphans(log?: (message: string) => void): Promise<ReapedVm[]> {
    const reaped: ReapedVm[] = [];
    for (const record of this.list()) {
      if (isAlive(record.owner)) continue;
      let killed = false;
      if (isAlive(record.qemu)) {
        killed = true;
        log?.(
          `Stopping VM "${record.label}" (qemu pid ${record.qemu.pid}) left by an earlier Kiln run that ended without stopping it`,
        );
        try {
          process.kill(record.qemu.pid, 'SIGTERM');
        } catch {
          // It ended between the check and the signal.
        }
        for (let i = 0; i < 20 && isAlive(record.qemu); i++) await sleep(100);
        if (isAlive(record.qemu)) {
          try {
            process.kill(record.qemu.pid, 'SIGKILL');
          } catch {
            // Gone.
          }
        }
      }
      for (const path of record.paths) removeQuietly(path);
      this.unregister(record.id);
      reaped.push({ record, killed });
    }
    return reaped;
  }

  private write(record: VmRecord): void {
    const tmp = `${this.file(record.id)}.tmp`;
    writeFileSync(tmp, JSON.stringify(record, null, 1), { mode: 0o600 });
    renameSync(tmp, this.file(record.id));
  }
}
