import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identify, isAlive, startTicks } from './process-identity';
import { VmRegistry } from './registry';

describe('VM registry', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-registry-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('identifies processes by pid and start time', () => {
    const me = identify(process.pid);
    expect(me.startTicks).toBe(startTicks(process.pid));
    expect(isAlive(me)).toBe(true);
    expect(isAlive({ pid: process.pid, startTicks: (me.startTicks ?? 0) + 1 })).toBe(false);
    expect(isAlive({ pid: 2 ** 22 + 7 })).toBe(false);
  });

  it('keeps the VMs of a live owner, and reaps those whose owner died (files removed, process stopped)', async () => {
    const registry = new VmRegistry(join(dir, 'vms'));
    // A process standing in for a VM's qemu: the registry only signals it.
    const vm = spawn('sleep', ['300'], { stdio: 'ignore' });
    await new Promise((resolve) => vm.once('spawn', resolve));
    const sockets = join(dir, 'vm-a');
    mkdirSync(sockets);
    writeFileSync(join(sockets, 'qmp.sock'), '');
    registry.register({ id: 'a', label: 'kept', qemu: identify(vm.pid!), paths: [sockets] });
    expect(await registry.reapOrphans()).toEqual([]);
    expect(isAlive(identify(vm.pid!))).toBe(true);

    // The same VM, recorded as owned by a process that has exited.
    const owner = spawn('true');
    await new Promise((resolve) => owner.once('exit', resolve));
    registry.register({
      id: 'a',
      label: 'orphan',
      qemu: identify(vm.pid!),
      owner: { pid: owner.pid!, startTicks: 1 },
      paths: [sockets],
    });
    const exited = new Promise((resolve) => vm.once('exit', resolve));
    const reaped = await registry.reapOrphans();
    expect(reaped.map((r) => [r.record.label, r.killed])).toEqual([['orphan', true]]);
    await exited;
    expect(existsSync(sockets)).toBe(false);
    expect(registry.list()).toEqual([]);
  });

  it('never signals a process that reused a dead VM’s pid', async () => {
    const registry = new VmRegistry(join(dir, 'vms2'));
    const bystander = spawn('sleep', ['300'], { stdio: 'ignore' });
    await new Promise((resolve) => bystander.once('spawn', resolve));
    const ticks = startTicks(bystander.pid!)!;
    registry.register({
      id: 'b',
      label: 'stale',
      qemu: { pid: bystander.pid!, startTicks: ticks - 1 },
      owner: { pid: 2 ** 22 + 9 },
      paths: [],
    });
    const reaped = await registry.reapOrphans();
    expect(reaped.map((r) => r.killed)).toEqual([false]);
    expect(isAlive(identify(bystander.pid!))).toBe(true);
    bystander.kill();
  });
});
