import { describe, expect, it } from 'vitest';
import { ConsoleView } from './console-view';
import type { ConsoleViewOptions } from './console-view';

function view(options: Partial<ConsoleViewOptions> = {}) {
  const chunks: Array<string | Uint8Array> = [];
  const v = new ConsoleView({
    write: (d) => chunks.push(d),
    prefixed: false,
    builds: ['qemu.a'],
    tty: false,
    ...options,
  });
  const text = () =>
    chunks.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('latin1'))).join('');
  return { v, chunks, text };
}

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('ConsoleView, one console', () => {
  it('writes the console bytes as they are, and the same Uint8Array objects', () => {
    const { v, chunks, text } = view();
    const data = bytes('\x1b[2J\x1b[01;01HBdsDxe: loading\r\n\xff\xfe');
    v.console('qemu.a', data);
    expect(chunks).toEqual([data]);
    expect(text()).toBe('\x1b[2J\x1b[01;01HBdsDxe: loading\r\n\xff\xfe');
  });

  it('starts a message on a fresh line after a half-printed console line, and the console after a message', () => {
    const { v, text } = view();
    v.console('qemu.a', bytes('kiln login: '));
    v.message('==> qemu.a: Waiting for SSH...\n');
    v.console('qemu.a', bytes('typist\r\n'));
    v.message('==> qemu.a: Connected\n');
    expect(text()).toBe('kiln login: \n==> qemu.a: Waiting for SSH...\ntypist\r\n==> qemu.a: Connected\n');
  });

  it('adds no blank line when the console ended its line, even with colour codes or a carriage return after it', () => {
    const { v, text } = view();
    v.console('qemu.a', bytes('line one\r\n\x1b[0m\r'));
    v.message('==> msg\n');
    v.console('qemu.a', bytes('more'));
    v.console('qemu.a', bytes(' text\n'));
    v.message('==> next\n');
    expect(text()).toBe('line one\r\n\x1b[0m\r==> msg\nmore text\n==> next\n');
  });

  it("resets the guest's colours before Kiln's text on a terminal", () => {
    const { v, text } = view({ tty: true });
    v.console('qemu.a', bytes('\x1b[31mred\n'));
    v.message('==> msg\n');
    v.message('==> again\n');
    expect(text()).toBe('\x1b[31mred\n\x1b[0m==> msg\n==> again\n');
  });

  it('puts console output after a prompt on a new line, and none after an answer the terminal echoed', () => {
    const { v, text } = view();
    v.message('==> qemu.a: Press enter to continue. ');
    v.lineEndedByTerminal();
    v.console('qemu.a', bytes('x\n'));
    v.message('==> other prompt ');
    v.console('qemu.a', bytes('y\n'));
    expect(text()).toBe('==> qemu.a: Press enter to continue. x\n==> other prompt \ny\n');
  });

  it('ignores the consoles of builds it does not show', () => {
    const { v, text } = view();
    v.console('qemu.b', bytes('not shown\n'));
    expect(text()).toBe('');
  });

  it('holds console output while paused and shows it on release, telling how much it had to drop', () => {
    const { v, text } = view({ holdLimit: 10 });
    v.pause();
    v.console('qemu.a', bytes('0123456789'));
    v.console('qemu.a', bytes('abcdef\n'));
    v.message('==> answer taken\n');
    expect(text()).toBe('==> answer taken\n');
    v.release();
    expect(text()).toBe(
      '==> answer taken\n(10 bytes of console output were not shown while waiting for an answer; the console log has them)\nabcdef\n',
    );
  });

  it('keeps held bytes even when the writer reuses its buffer', () => {
    const { v, text } = view();
    const buffer = bytes('first\n');
    v.pause();
    v.console('qemu.a', buffer);
    buffer.fill(0x21);
    v.release();
    expect(text()).toBe('first\n');
  });
});

describe('ConsoleView, several consoles', () => {
  it("prefixes every line with its build's name, padded, and resumes an interrupted line on a new prefixed line", () => {
    const { v, text } = view({ prefixed: true, builds: ['qemu.a', 'qemu.bb'] });
    v.console('qemu.a', bytes('one\ntwo '));
    v.console('qemu.bb', bytes('login: '));
    v.console('qemu.a', bytes('halves\n'));
    v.message('==> qemu.a: message\n');
    v.console('qemu.bb', bytes('x\r\n'));
    expect(text()).toBe(
      [
        'qemu.a  | one',
        'qemu.a  | two ',
        'qemu.bb | login: ',
        'qemu.a  | halves',
        '==> qemu.a: message',
        'qemu.bb | x\r',
        '',
      ].join('\n'),
    );
  });

  it('paints the prefixes', () => {
    const { v, text } = view({
      prefixed: true,
      builds: ['a', 'b'],
      paint: (build, t) => `<${build}>${t}</>`,
    });
    v.console('b', bytes('hi\n'));
    expect(text()).toBe('<b>b | </>hi\n');
  });
});
