import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from './flags';

const specs = {
  force: { kind: 'bool' },
  var: { kind: 'list' },
  'parallel-builds': { kind: 'int' },
  'on-error': {
    kind: 'enum',
    values: ['cleanup', 'abort', 'ask', 'run-cleanup-provisioner'],
    default: 'cleanup',
  },
  only: { kind: 'string' },
} as const;

describe('parseFlags', () => {
  it('reads Go-style flags and stops at the first argument', () => {
    const { flags, rest } = parseFlags(specs, [
      '-force',
      '--var',
      'a=1',
      '-var=b=2',
      '-parallel-builds=3',
      '-only',
      'x',
      't.json',
      '-x',
    ]);
    expect(flags).toEqual({
      force: true,
      var: ['a=1', 'b=2'],
      'parallel-builds': 3,
      'on-error': 'cleanup',
      only: 'x',
    });
    expect(rest).toEqual(['t.json', '-x']);
  });

  it('accepts explicit booleans', () => {
    expect(parseFlags(specs, ['-force=false']).flags.force).toBe(false);
  });

  it("rejects an enum value with Packer's message", () => {
    expect(() => parseFlags(specs, ['-on-error=bogus'])).toThrow(
      'invalid value "bogus" for flag -on-error: expected one of ["cleanup" "abort" "ask" "run-cleanup-provisioner"]',
    );
  });

  it('names unknown flags and missing arguments', () => {
    expect(() => parseFlags(specs, ['-nope'])).toThrow(new FlagError('flag provided but not defined: -nope'));
    expect(() => parseFlags(specs, ['-only'])).toThrow('flag needs an argument: -only');
  });

  it('reads a flag whose value is optional without taking the next argument', () => {
    const optional = { console: { kind: 'optional' }, force: { kind: 'bool' } } as const;
    expect(parseFlags(optional, ['t.pkr.hcl']).flags.console).toBeUndefined();
    expect(parseFlags(optional, ['--console', 't.pkr.hcl'])).toEqual({
      flags: { console: '', force: false },
      rest: ['t.pkr.hcl'],
    });
    expect(parseFlags(optional, ['-console=qemu.guest', '-force', 't']).flags).toEqual({
      console: 'qemu.guest',
      force: true,
    });
  });
});
