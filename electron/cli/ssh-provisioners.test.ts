import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSpec, ComponentSpec } from '../engine/testing/plans';
import { planBuild, substituteFields } from '../engine/testing/plans';
import { normalise } from '../engine/testing/normalise';
import { packerAvailable, runPacker } from '../engine/testing/packer';
import type { TestSshd } from '../engine/testing/sshd';
import { sshdAvailable, startSshd } from '../engine/testing/sshd';
import { runForTerminal } from './build-run';
import { parseGoDuration } from '../engine/build/duration';

const available = sshdAvailable();
if (!available)
  console.warn('skipping shell/file provisioner tests: /usr/sbin/sshd (openssh-server) is not installed');

/** Remote paths are chosen at random (`script_1234.sh`): made equal for comparison. */
function normaliseRemote(text: string): string {
  return text.replace(/script_\d+\.sh/g, 'script_N.sh').replace(/varfile_\d+\.sh/g, 'varfile_N.sh');
}

// Packer and Kiln each open a dozen SSH sessions per test: slow on a loaded 2-core machine.
describe.skipIf(!available)(
  'shell and file provisioners over SSH, side by side with packer 1.6.6',
  { timeout: 240_000 },
  () => {
    let sshd: TestSshd;
    const root = mkdtempSync(join(tmpdir(), 'kiln-sshprov-'));
    const remote = join(root, 'remote');

    beforeAll(async () => {
      sshd = await startSshd();
      mkdirSync(remote, { mode: 0o777 });
    });
    afterAll(async () => {
      await sshd?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    const builder = () => ({
      type: 'null',
      ssh_host: '127.0.0.1',
      ssh_port: sshd.port,
      ssh_username: sshd.user,
      ssh_private_key_file: sshd.privateKeyFile,
    });

    async function kiln(provisioners: ComponentSpec[], cwd: string) {
      const { type, ...config } = builder();
      const spec: BuildSpec = { name: 'null', builder: { type, config }, provisioners };
      let out = '';
      const code = await runForTerminal([planBuild(spec, { render: substituteFields, cwd })], {
        run: { debug: false, force: false, onError: 'cleanup', parallel: 1, cwd },
        printer: { color: false, timestamp: false, machineReadable: false, write: (t) => (out += t) },
        signal: new AbortController().signal,
      });
      return { code, out: normaliseRemote(normalise(out)) };
    }

    /** Runs the same provisioners with Kiln and, when installed, packer; returns both, and the server's commands. */
    async function both(
      provisioners: Array<Record<string, unknown> & { type: string }>,
      setup?: (dir: string) => void,
    ) {
      const kDir = join(root, `k${Math.random().toString(36).slice(2, 8)}`);
      mkdirSync(kDir);
      setup?.(kDir);
      const before = sshd.commands().length;
      const k = await kiln(
        provisioners.map(({ type, pause_before, ...config }) => ({
          type,
          config,
          ...(typeof pause_before === 'string' ? { pause_before: parseGoDuration(pause_before) } : {}),
        })),
        kDir,
      );
      const kCommands = sshd.commands().slice(before).map(normaliseRemote);
      if (!packerAvailable()) return { k, kCommands };
      const pDir = join(root, `p${Math.random().toString(36).slice(2, 8)}`);
      mkdirSync(pDir);
      setup?.(pDir);
      writeFileSync(join(pDir, 't.json'), JSON.stringify({ builders: [builder()], provisioners }));
      const pBefore = sshd.commands().length;
      const p = runPacker(['build', '-color=false', 't.json'], pDir);
      const pCommands = sshd.commands().slice(pBefore).map(normaliseRemote);
      return { k, kCommands, p: { code: p.code, out: normaliseRemote(normalise(p.out)) }, pCommands };
    }

    it('runs inline and script shells with Packer env quoting, sending the server the same commands (s1.json)', async () => {
      const r = await both(
        [
          {
            type: 'shell',
            inline: ['echo inline-one', 'echo inline-two $FOO'],
            environment_vars: ['FOO=it\'s a "test"', 'BAR=x y'],
          },
          { type: 'shell', script: 'script1.sh', environment_vars: ['FOO=bar'] },
          {
            type: 'shell',
            inline: ['echo hi'],
            execute_command: "true; {{.Vars}} sh -c '{{.Path}}'",
            remote_folder: remote,
            remote_file: 'myscript.sh',
          },
          {
            type: 'shell',
            inline: ['echo custom $CUSTOM'],
            environment_vars: ['CUSTOM=1'],
            use_env_var_file: true,
          },
          { type: 'file', source: 'script1.sh', destination: join(remote, 'uploaded.sh') },
          { type: 'shell', inline: ['exit 7'], valid_exit_codes: [0, 7] },
          { type: 'shell', inline: ['echo about to fail', 'exit 5'] },
        ],
        (dir) =>
          writeFileSync(
            join(dir, 'script1.sh'),
            'echo "script1 FOO=[$FOO] BAR=[$BAR]"\r\necho to stderr >&2\r\n',
            { mode: 0o755 },
          ),
      );
      expect(r.k.code).toBe(1);
      expect(r.k.out).toContain('    null: inline-two it\'s a "test"\n');
      expect(r.k.out).toContain('    null: script1 FOO=[bar] BAR=[]\n==> null: to stderr\n');
      expect(r.k.out).toContain(`==> null: Uploading script1.sh => ${remote}/uploaded.sh\n`);
      expect(statSync(join(remote, 'uploaded.sh')).mode & 0o777).toBe(0o755);
      expect(r.kCommands).toContain(
        `chmod +x /tmp/script_N.sh; BAR='x y' FOO='it'"'"'s a "test"' PACKER_BUILDER_TYPE='null' PACKER_BUILD_NAME='null'  /tmp/script_N.sh\n`,
      );
      expect(r.kCommands).toContain(
        `true; PACKER_BUILDER_TYPE='null' PACKER_BUILD_NAME='null'  sh -c '${remote}/myscript.sh'\n`,
      );
      expect(r.kCommands).toContain('chmod +x /tmp/script_N.sh; . /tmp/varfile_N.sh && /tmp/script_N.sh\n');
      expect(r.kCommands).toContain('rm -f \n');
      if (r.p) {
        expect(r.k.code).toBe(r.p.code);
        // stdout and stderr are two streams: their lines may interleave differently run to run.
        expect(r.k.out.split('\n').sort()).toEqual(r.p.out.split('\n').sort());
        expect(r.kCommands).toEqual(r.pCommands);
      }
    });

    it('handles shebangs, expected and unexpected disconnects, pause_before (s2.json)', async () => {
      const r = await both([
        { type: 'shell', inline: ['cat $0', 'echo second'] },
        { type: 'shell', inline_shebang: '/bin/bash -eux', inline: ['cat $0'] },
        { type: 'shell', inline: ['echo disconnecting', 'kill -9 $PPID'], expect_disconnect: true },
        { type: 'shell', inline: ['echo after-disconnect'], pause_before: '1s' },
        { type: 'shell', inline: ['echo disconnecting2', 'kill -9 $PPID'] },
      ]);
      expect(r.k.code).toBe(1);
      expect(r.k.out).toContain(
        '    null: #!/bin/sh -e\n    null: cat $0\n    null: echo second\n    null: second\n',
      );
      expect(r.k.out).toContain('==> null: + cat /tmp/script_N.sh\n');
      expect(r.k.out).toContain('    null: after-disconnect\n');
      expect(r.k.out).toContain("Build 'null' errored after D: Script disconnected unexpectedly.");
      if (r.p) {
        expect(r.k.code).toBe(r.p.code);
        // Interleaving of stdout/stderr varies, and output racing a dropped connection may be lost (in
        // Packer too): compare the lines as sets, without the `disconnecting` echoes.
        const lines = (t: string) =>
          t
            .split('\n')
            .filter((l) => !/null: disconnecting/.test(l))
            .sort();
        expect(lines(r.k.out)).toEqual(lines(r.p.out));
        expect(r.kCommands).toEqual(r.pCommands);
      }
    });

    // Packer 1.13 changed this (1.6.6 writes `#!/bin/sh -e` above the lines' own shebang), so Kiln alone.
    it('writes no default shebang above inline lines that bring their own, unless inline_shebang is set', async () => {
      const dir = join(root, 'shebang');
      mkdirSync(dir);
      const r = await kiln(
        [
          {
            type: 'shell',
            config: { inline: ['#!/bin/bash -e', 'cat $0', 'echo "bash $BASH_VERSION" | cut -c1-6'] },
          },
          { type: 'shell', config: { inline_shebang: '/bin/sh -e', inline: ['#!/bin/bash -e', 'cat $0'] } },
        ],
        dir,
      );
      expect(r.code).toBe(0);
      expect(r.out).toContain('    null: #!/bin/bash -e\n    null: cat $0\n');
      expect(r.out).toContain('    null: bash 5\n');
      expect(r.out).toContain('    null: #!/bin/sh -e\n    null: #!/bin/bash -e\n    null: cat $0\n');
      expect(r.out.match(/null: #!\/bin\/sh -e/g)).toHaveLength(1);
    });

    it('uploads and downloads directories with the trailing-slash rule, and content', async () => {
      const r = await both(
        [
          { type: 'file', source: 'tree', destination: join(remote, 'with') },
          { type: 'file', source: 'tree/', destination: join(remote, 'without') },
          {
            type: 'file',
            source: join(remote, 'with', 'tree', 'a.txt'),
            destination: 'down/',
            direction: 'download',
          },
          {
            type: 'file',
            source: join(remote, 'without', 'sub', 'b.txt'),
            destination: 'down/b-copy.txt',
            direction: 'download',
          },
        ],
        (dir) => {
          mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
          writeFileSync(join(dir, 'tree', 'a.txt'), 'A');
          writeFileSync(join(dir, 'tree', 'sub', 'b.txt'), 'B');
          mkdirSync(join(remote, 'with'), { recursive: true });
          mkdirSync(join(remote, 'without'), { recursive: true });
        },
      );
      expect(r.k.code).toBe(0);
      expect(readFileSync(join(remote, 'with', 'tree', 'sub', 'b.txt'), 'utf8')).toBe('B');
      expect(readFileSync(join(remote, 'without', 'a.txt'), 'utf8')).toBe('A');
      if (r.p) {
        expect(r.k.out).toBe(r.p.out);
        expect(r.kCommands).toEqual(r.pCommands);
      }
    });
  },
);
