import { describe, expect, it } from 'vitest';
import type { KeySink, TypedKey } from './boot-command';
import { bootSteps, charKey, keyInterval, SPECIAL_QCODES, typeBootCommand } from './boot-command';
import { SPECIAL_KEYS } from '../template/schema/bootcommand';

/** Records key events with the time between them. */
function recorder(): KeySink & { events: string[]; times: number[] } {
  const events: string[] = [];
  const times: number[] = [];
  return {
    events,
    times,
    async key(qcode: string, down: boolean) {
      events.push(`${down ? '+' : '-'}${qcode}`);
      times.push(performance.now());
    },
  };
}

async function type(command: string, intervalMs = 0, sensitive?: (i: number) => boolean) {
  const sink = recorder();
  const keys: TypedKey[] = [];
  const untypeable: string[] = [];
  await typeBootCommand(command, {
    sink,
    intervalMs,
    onKey: (k) => keys.push(k),
    onUntypeable: (c) => untypeable.push(c),
    ...(sensitive ? { sensitive } : {}),
  });
  return { events: sink.events, times: sink.times, keys, untypeable };
}

describe('boot_command typing', () => {
  it('presses a plain key as down then up, and wraps upper case and shifted characters in Left Shift', async () => {
    expect((await type('a')).events).toEqual(['+a', '-a']);
    expect((await type('A')).events).toEqual(['+shift', '+a', '-a', '-shift']);
    expect((await type(':')).events).toEqual(['+shift', '+semicolon', '-semicolon', '-shift']);
    expect((await type('~!@#$%^&*()_+{}|:"<>?')).events.filter((e) => e === '+shift')).toHaveLength(21);
    expect((await type(';')).events).toEqual(['+semicolon', '-semicolon']);
    expect(charKey('/')).toEqual({ qcode: 'slash', shift: false });
    expect(charKey('?')).toEqual({ qcode: 'slash', shift: true });
    expect(charKey('é')).toBeUndefined();
  });

  it('knows every special key of the grammar, with On/Off holding and releasing it', async () => {
    for (const name of SPECIAL_KEYS) expect(SPECIAL_QCODES[name.toLowerCase()], name).toBeDefined();
    expect((await type('<enter>')).events).toEqual(['+ret', '-ret']);
    expect((await type('<leftCtrlOn>c<leftCtrlOff>')).events).toEqual(['+ctrl', '+c', '-c', '-ctrl']);
    expect((await type('<LEFTALTON><f2><leftAltoff>')).events).toEqual(['+alt', '+f2', '-f2', '-alt']);
    // A character toggle: `<aOn>` holds `a`.
    expect((await type('<aOn><aOff>')).events).toEqual(['+a', '-a']);
    expect(
      (await type('<spacebar><bs><del><esc><tab><pageUp><pageDown>')).events.filter((e) => e[0] === '+'),
    ).toEqual(['+spc', '+backspace', '+delete', '+esc', '+tab', '+pgup', '+pgdn']);
  });

  it('waits as Packer does: <wait> 1 s, <waitN> N s, durations, and the <wait0> quirk (1 s)', () => {
    const waits = (text: string) =>
      bootSteps(text)
        .map(({ step }) => step)
        .filter((s) => s.kind === 'wait')
        .map((s) => (s.kind === 'wait' ? s.ms : -1));
    expect(waits('<wait>')).toEqual([1000]);
    expect(waits('<wait5>')).toEqual([5000]);
    expect(waits('<wait10>')).toEqual([10000]);
    expect(waits('<wait1m30s>')).toEqual([90000]);
    expect(waits('<wait300ms>')).toEqual([300]);
    expect(waits('<wait0>')).toEqual([1000]);
    // Not waits: typed literally, character by character (the grammar's fallback).
    expect(waits('<wait05><wait1.5><Wait>')).toEqual([]);
  });

  it('types an unknown <...> literally', async () => {
    const { keys } = await type('<foo>');
    expect(keys.map((k) => k.key).join('')).toBe('<foo>');
    expect((await type('<esc><<esc>')).keys.map((k) => k.key)).toEqual(['<esc>', '<', '<esc>']);
  });

  it('sleeps the interval after every key event (a shifted key is four events)', async () => {
    const interval = 25;
    const started = performance.now();
    const { times } = await type('aB', interval);
    const elapsed = performance.now() - started;
    // a: 2 events, B: 4 events; each followed by the interval.
    expect(times).toHaveLength(6);
    expect(elapsed).toBeGreaterThanOrEqual(6 * interval - 5);
    for (let i = 1; i < times.length; i++)
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(interval - 5);
  });

  it('takes the interval from boot_key_interval, else PACKER_KEY_INTERVAL, else 100 ms', () => {
    expect(keyInterval(0, {})).toBe(100);
    expect(keyInterval(0, { PACKER_KEY_INTERVAL: '10ms' })).toBe(10);
    expect(keyInterval(0, { PACKER_KEY_INTERVAL: 'bogus' })).toBe(100);
    expect(keyInterval(5, { PACKER_KEY_INTERVAL: '10ms' })).toBe(5);
  });

  it('reports each step for the UI, with characters of sensitive values hidden', async () => {
    const text = 'pw=s3cret<enter>';
    const secretAt = text.indexOf('s3cret');
    const { keys } = await type(text, 0, (i) => i >= secretAt && i < secretAt + 6);
    expect(keys.map((k) => k.key)).toEqual(['p', 'w', '=', '*', '*', '*', '*', '*', '*', '<enter>']);
    expect(keys.map((k) => k.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(keys.map((k) => k.total))).toEqual(new Set([10]));
  });

  it('skips characters no key types, and says which', async () => {
    const { events, untypeable } = await type('aéb');
    expect(events).toEqual(['+a', '-a', '+b', '-b']);
    expect(untypeable).toEqual(['é']);
  });

  it('stops when cancelled, during a wait', async () => {
    const controller = new AbortController();
    const sink = recorder();
    const typing = typeBootCommand('a<wait10>b', { sink, intervalMs: 0, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled')), 50);
    await expect(typing).rejects.toThrow('cancelled');
    expect(sink.events).toEqual(['+a', '-a']);
  });
});
