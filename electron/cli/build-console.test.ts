import { describe, expect, it } from 'vitest';
import { chooseConsoles } from './build-console';

const qemu = (name: string) => ({ name, builderType: 'qemu' });

describe('chooseConsoles', () => {
  it('bare --console: the one VM build is shown and typed into', () => {
    expect(chooseConsoles([qemu('qemu.guest'), { name: 'null.x', builderType: 'null' }], '')).toEqual({
      shown: ['qemu.guest'],
      typeInto: 'qemu.guest',
    });
    // A run of one build shows it whatever its builder.
    expect(chooseConsoles([{ name: 'x', builderType: 'other' }], '')).toEqual({
      shown: ['x'],
      typeInto: 'x',
    });
  });

  it('bare --console with several VM builds: all shown (prefixed), none typed into; none without VMs', () => {
    expect(chooseConsoles([qemu('a'), qemu('b')], '')).toEqual({ shown: ['a', 'b'] });
    expect(
      chooseConsoles(
        [
          { name: 'n', builderType: 'null' },
          { name: 'm', builderType: 'null' },
        ],
        '',
      ),
    ).toEqual({
      shown: [],
    });
  });

  it('--console=NAME: the full name, or a unique last part', () => {
    const builds = [qemu('qemu.guest'), qemu('qemu.other'), qemu('x.guest2')];
    expect(chooseConsoles(builds, 'qemu.other')).toEqual({ shown: ['qemu.other'], typeInto: 'qemu.other' });
    expect(chooseConsoles(builds, 'guest')).toEqual({ shown: ['qemu.guest'], typeInto: 'qemu.guest' });
  });

  it('--console=NAME that names no build or several: an error naming the builds', () => {
    expect(chooseConsoles([qemu('qemu.a'), qemu('qemu.b')], 'c')).toBe(
      '--console=c: no build of this run is named "c" (builds: qemu.a, qemu.b)',
    );
    expect(chooseConsoles([qemu('src.a'), qemu('other.a')], 'a')).toBe(
      '--console=a: several builds match (src.a, other.a); name one of them',
    );
  });
});
