import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { PlannedBuild } from '../engine/build/session';
import { TerminalAnswers } from './answers';
import { chooseConsoles } from './build-console';
import { runForTerminal } from './build-run';
import { main } from './main';

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

/** A terminal's stdin: records raw mode as tty.ReadStream does. */
class FakeTty extends PassThrough {
  isTTY = true;
  isRaw = false;
  setRawMode(mode: boolean): this {
    this.isRaw = mode;
    return this;
  }
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('kiln build --console in a run (runForTerminal)', () => {
  it('types into the VM, and a prompt takes the keyboard and holds the console until answered', async () => {
    const tty = new FakeTty();
    const typed: string[] = [];
    let out = '';
    let release: () => void = () => undefined;
    const keysTyped = new Promise<void>((r) => (release = r));
    // A builder standing in for a VM: publishes the vm handle, prints on its console, asks a question.
    const build: PlannedBuild = {
      name: 'vm',
      builderType: 'qemu',
      sourceName: 'vm',
      buildBlockName: '',
      provisioners: [],
      postProcessors: [],
      createBuilder: () => ({
        async run({ ui }) {
          const withdraw = ui.expose('vm', {
            writeConsole: (d) => {
              typed.push(Buffer.from(d).toString());
              release();
            },
            screendump: async () => undefined,
          });
          ui.console('serial', Buffer.from('vm login: '));
          await keysTyped;
          const asking = ui.ask('Press enter to continue.', 'breakpoint');
          ui.console('serial', Buffer.from('printed while asking\n'));
          await asking;
          ui.console('serial', Buffer.from('after\n'));
          withdraw();
          return undefined;
        },
      }),
    };
    const code = runForTerminal([build], {
      run: { debug: false, force: false, onError: 'cleanup', parallel: 1, cwd: '/' },
      printer: { color: false, timestamp: false, machineReadable: false, write: (t) => (out += t) },
      answers: new TerminalAnswers(tty),
      signal: new AbortController().signal,
      console: {
        choice: { shown: ['vm'], typeInto: 'vm' },
        output: { write: (d) => (out += typeof d === 'string' ? d : Buffer.from(d).toString()) },
        input: tty,
      },
    });
    await until(() => tty.isRaw);
    tty.write('root\r');
    await until(() => out.includes('Press enter to continue. '));
    expect(typed).toEqual(['root\r']);
    expect(tty.isRaw).toBe(false);
    expect(out).not.toContain('printed while asking');
    tty.write('\n');
    expect(await code).toBe(0);
    expect(typed).toEqual(['root\r']);
    expect(tty.isRaw).toBe(false);
    expect(out).toContain(
      '==> vm: Serial console follows: what you type goes to the VM (Ctrl-] stops typing, Ctrl-C cancels the build).\n',
    );
    // The prompt starts on its own line after `vm login: `; what the VM printed meanwhile comes after the answer.
    expect(out).toContain('vm login: \n==> vm: Press enter to continue. printed while asking\nafter\n');
    expect(out).toMatch(/Build 'vm' finished after/);
  });
});

describe('kiln build --console (the command)', () => {
  it('names the builds when --console=NAME matches none, before preparing anything, and refuses -machine-readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-console-cmd-'));
    try {
      writeFileSync(
        join(dir, 't.pkr.hcl'),
        'source "null" "a" {\n  communicator = "none"\n}\nsource "null" "b" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a", "source.null.b"]\n}\n',
      );
      const run = async (...args: string[]) => {
        let out = '';
        const stdin = new PassThrough();
        stdin.end();
        const code = await main(['build', ...args, 't.pkr.hcl'], {
          stdout: { write: (t) => void (out += String(t)) },
          stderr: { write: (t) => void (out += t) },
          stdin,
          env: { PATH: process.env.PATH },
          cwd: dir,
          signal: new AbortController().signal,
        });
        return { code, out };
      };
      expect(await run('--console=c')).toEqual({
        code: 1,
        out: '--console=c: no build of this run is named "c" (builds: null.a, null.b)\n',
      });
      expect((await run('--console', '-machine-readable')).code).toBe(1);
      // Builds without a VM show no console; the run is otherwise the same.
      const plain = await run('--console=b', '-color=false');
      expect(plain.code).toBe(0);
      expect(plain.out).toContain("Build 'null.b' finished");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
