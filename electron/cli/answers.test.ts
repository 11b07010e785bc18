import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TerminalAnswers } from './answers';

describe('TerminalAnswers', () => {
  it('reads a line per question, keeps extra lines for the next ones, and the last line without a newline', async () => {
    const input = new PassThrough();
    const answers = new TerminalAnswers(input);
    const signal = new AbortController().signal;
    const first = answers.next(signal);
    input.write('one\r\ntwo\nthr');
    expect(await first).toBe('one');
    expect(await answers.next(signal)).toBe('two');
    const third = answers.next(signal);
    input.end('ee');
    expect(await third).toBe('three');
    expect(await answers.next(signal)).toBeUndefined();
  });

  it('reads stdin only while a question waits: between questions it is left to others', async () => {
    const input = new PassThrough();
    const answers = new TerminalAnswers(input);
    const signal = new AbortController().signal;
    const first = answers.next(signal);
    expect(input.listenerCount('data')).toBe(1);
    input.write('yes\n');
    expect(await first).toBe('yes');
    expect(input.listenerCount('data')).toBe(0);
    expect(input.isPaused()).toBe(true);
    let other = '';
    input.on('data', (c: Buffer) => (other += c.toString())).resume();
    input.write('for the console');
    await new Promise((r) => setImmediate(r));
    expect(other).toBe('for the console');
  });

  it('gives up when the run is cancelled', async () => {
    const input = new PassThrough();
    const answers = new TerminalAnswers(input);
    const controller = new AbortController();
    const pending = answers.next(controller.signal);
    controller.abort();
    expect(await pending).toBeUndefined();
    expect(input.listenerCount('data')).toBe(0);
  });
});
