import { describe, expect, it } from 'vitest';
import { bootCommandErrors, parseBootCommand, type BootStep } from './bootcommand';

const show = (steps: BootStep[]) =>
  steps.map((s) =>
    s.kind === 'wait'
      ? `wait:${s.ms}`
      : s.kind === 'special'
        ? `${s.key}:${s.action}`
        : `'${s.char}'${s.action === 'press' ? '' : ':' + s.action}`,
  );

describe('boot_command parsing', () => {
  it('reads waits', () => {
    expect(show(parseBootCommand('<wait><wait5><wait10><wait1m30s><wait300ms><wait0>').steps)).toEqual([
      'wait:1000',
      'wait:5000',
      'wait:10000',
      'wait:90000',
      'wait:300',
      'wait:1000',
    ]);
  });

  it('types malformed waits literally', () => {
    expect(show(parseBootCommand('<wait05>').steps).join('')).toBe(`'<''w''a''i''t''0''5''>'`);
    expect(show(parseBootCommand('<Wait>').steps)).toHaveLength(6);
    expect(show(parseBootCommand('<wait1.5>').steps)).toHaveLength(9);
  });

  it('reads special keys, case-insensitively, with On/Off', () => {
    expect(
      show(parseBootCommand('<esc><ENTER><f10><f1><end><leftCtrlOn>c<leftCtrlOff><spacebar><pageUp>').steps),
    ).toEqual([
      'esc:press',
      'enter:press',
      'f10:press',
      'f1:press',
      'end:press',
      'leftctrl:on',
      `'c'`,
      'leftctrl:off',
      'spacebar:press',
      'pageup:press',
    ]);
  });

  it('reads character toggles and literal brackets', () => {
    expect(show(parseBootCommand('<cOn><xoff><esc><<esc>').steps)).toEqual([
      "'c':on",
      "'x':off",
      'esc:press',
      "'<'",
      'esc:press',
    ]);
    expect(show(parseBootCommand('<escape>').steps)[0]).toBe("'<'");
  });

  it('keeps template actions as text', () => {
    expect(show(parseBootCommand('{{ .HTTPIP }}').steps).join('')).toBe(
      `'{''{'' ''.''H''T''T''P''I''P'' ''}''}'`,
    );
  });

  it('rejects non-positive waits with Packer’s message', () => {
    expect(bootCommandErrors('<wait0><wait-1s>')).toEqual(['Expecting a positive wait value. Got -1s']);
    expect(bootCommandErrors('<wait0s><wait-1m30s>')).toEqual([
      'Expecting a positive wait value. Got 0s',
      'Expecting a positive wait value. Got -1m30s',
    ]);
    expect(bootCommandErrors('<wait1m-30s>')).toEqual([
      '1:6 (5): rule Duration: time: unknown unit "m-" in duration "1m-30s"',
    ]);
    expect(bootCommandErrors('<esc><wait>linux<enter>')).toEqual([]);
  });
});
