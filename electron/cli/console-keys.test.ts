import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { VmControls } from '../engine/build/live';
import { ConsoleKeys } from './console-keys';
import type { ConsoleInput } from './console-keys';

/** A terminal's stdin: a stream that records its raw mode, as tty.ReadStream does. */
class FakeTty extends PassThrough implements ConsoleInput {
  isTTY = true;
  isRaw = false;
  modes: boolean[] = [];
  setRawMode(mode: boolean): this {
    this.isRaw = mode;
    this.modes.push(mode);
    return this;
  }
}

function setup(input: ConsoleInput) {
  const typed: string[] = [];
  const notes: string[] = [];
  let interrupts = 0;
  let vm: VmControls | undefined = {
    writeConsole: (d) => typed.push(Buffer.from(d).toString('latin1')),
    screendump: async () => undefined,
  };
  const keys = new ConsoleKeys({
    input,
    vm: () => vm,
    onInterrupt: () => interrupts++,
    note: (t) => notes.push(t),
  });
  return {
    keys,
    typed,
    notes,
    interrupts: () => interrupts,
    dropVm: () => (vm = undefined),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ConsoleKeys on a terminal', () => {
  it('reads only while the VM runs, in raw mode, and gives every byte to the VM as typed', async () => {
    const tty = new FakeTty();
    const { keys, typed } = setup(tty);
    tty.write('before the VM');
    await tick();
    expect(typed).toEqual([]);
    keys.setVmRunning(true);
    expect(tty.isRaw).toBe(true);
    await tick();
    // Typed ahead, then what a raw terminal sends: Enter as \r, an arrow key, Tab, Ctrl-D.
    tty.write('ls\r\x1b[A\t\x04');
    await tick();
    expect(typed.join('')).toBe('before the VMls\r\x1b[A\t\x04');
    keys.setVmRunning(false);
    expect(tty.isRaw).toBe(false);
    expect(tty.isPaused()).toBe(true);
    tty.write('after');
    await tick();
    expect(typed.join('')).toBe('before the VMls\r\x1b[A\t\x04');
  });

  it('Ctrl-] stops typing for good: the bytes before it go, the rest not, the terminal is restored', async () => {
    const tty = new FakeTty();
    const { keys, typed, notes, interrupts } = setup(tty);
    keys.setVmRunning(true);
    tty.write('abc\x1ddef');
    await tick();
    expect(typed.join('')).toBe('abc');
    expect(notes).toEqual(['Stopped typing into the serial console (Ctrl-]); its output goes on.']);
    expect(interrupts()).toBe(0);
    expect(tty.isRaw).toBe(false);
    keys.setPrompting(true);
    keys.setPrompting(false);
    keys.setVmRunning(true);
    expect(tty.isRaw).toBe(false);
    tty.write('more');
    await tick();
    expect(typed.join('')).toBe('abc');
  });

  it('Ctrl-C cancels the build and restores the terminal at once', async () => {
    const tty = new FakeTty();
    const { keys, typed, interrupts } = setup(tty);
    keys.setVmRunning(true);
    tty.write('x\x03y');
    await tick();
    expect(typed.join('')).toBe('x');
    expect(interrupts()).toBe(1);
    expect(tty.modes).toEqual([true, false]);
  });

  it('gives the keyboard to a prompt (cooked mode) and takes it back after', async () => {
    const tty = new FakeTty();
    const { keys, typed } = setup(tty);
    keys.setVmRunning(true);
    keys.setPrompting(true);
    expect(tty.isRaw).toBe(false);
    expect(tty.listenerCount('data')).toBe(0);
    keys.setPrompting(false);
    expect(tty.isRaw).toBe(true);
    tty.write('z');
    await tick();
    expect(typed).toEqual(['z']);
    keys.stop();
    expect(tty.modes).toEqual([true, false, true, false]);
  });

  it('drops what is typed when the VM has just gone', async () => {
    const tty = new FakeTty();
    const { keys, typed, dropVm } = setup(tty);
    keys.setVmRunning(true);
    dropVm();
    tty.write('lost');
    await tick();
    expect(typed).toEqual([]);
    keys.stop();
  });
});

describe('ConsoleKeys on piped stdin', () => {
  it('passes every byte through, Ctrl-] and Ctrl-C included, and stops at the end of the input', async () => {
    const pipe = new PassThrough();
    const { keys, typed, interrupts } = setup(pipe);
    keys.setVmRunning(true);
    pipe.end('a\x1db\x03c\n');
    await tick();
    await tick();
    expect(typed.join('')).toBe('a\x1db\x03c\n');
    expect(interrupts()).toBe(0);
    expect(pipe.listenerCount('data')).toBe(0);
  });
});
