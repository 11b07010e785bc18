/**
 * `kiln build --console` in a real terminal (a pty from node-pty) with the test guest under TCG: the
 * VM's serial console shows among the build's messages, what is typed reaches the guest (a login at
 * the serial prompt and a shell command whose result only the guest can print, then `poweroff`, which
 * is what ends this communicator-none build), Ctrl-] stops typing, and Ctrl-C cancels cleanly.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Guest } from '../../resources/guest/guest';
import { ensureGuest, guestUnavailableReason } from '../../resources/guest/guest';
import {
  qemuProcessesUsing,
  qemuUnavailableReason,
  runtimeLeftovers,
  uefi,
} from '../engine/builders/qemu/testing/harness';

const repoRoot = resolve(__dirname, '../..');
const reason = qemuUnavailableReason() ?? guestUnavailableReason();
if (reason) console.warn(reason);

const PASSWORD = 'typed-on-serial';
/** Colour codes the printer may put around a line. */
const ESC = String.fromCharCode(0x1b);
const SGR = `(?:${ESC}\\[[0-9;]*m)*`;

/** A terminal session with `kiln build`: everything it printed, and waits on it. */
class Terminal {
  output = '';
  exit: Promise<number>;
  private readonly term: pty.IPty;
  private waiters: Array<() => void> = [];

  constructor(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
    this.term = pty.spawn(process.execPath, [join(repoRoot, 'bin/kiln.mjs'), ...args], {
      cols: 160,
      rows: 50,
      cwd,
      env: env as Record<string, string>,
    });
    this.term.onData((data) => {
      this.output += data;
      // The guest's shell asks where the cursor is (ESC [6n); a terminal answers, and so does this one.
      if (data.includes('\x1b[6n')) this.term.write('\x1b[50;1R');
      for (const w of this.waiters) w();
    });
    this.exit = new Promise((resolvePromise) => this.term.onExit((e) => resolvePromise(e.exitCode)));
  }

  /** Waits until the output after `from` matches. Returns the output length at the match. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 600_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output.slice(from))) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern}; output:\n${this.output.slice(-3000)}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 1000);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
      this.waiters = [];
    }
    return this.output.length;
  }

  type(text: string): void {
    this.term.write(text);
  }

  kill(): void {
    this.term.kill();
  }
}

describe.skipIf(reason !== undefined)('kiln build --console (real terminal, test guest, TCG)', () => {
  let guest: Guest;
  let work: string;
  let runDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kiln-console-it-'));
    runDir = join(work, 'run');
    process.env.KILN_RUNTIME_DIR = runDir;
    env = { ...process.env, KILN_RUNTIME_DIR: runDir, TERM: 'xterm-256color' };
    delete env.NO_COLOR;
    guest = await ensureGuest();
  }, 900_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A communicator-none build: it ends when the guest powers off, so only typing can end it. */
  function project(name: string): string {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    const firmware = uefi();
    const userData = [
      '#cloud-config',
      'users:',
      '  - name: typist',
      `    plain_text_passwd: ${PASSWORD}`,
      '    lock_passwd: false',
      '    sudo: ALL=(ALL) NOPASSWD:ALL',
      '    shell: /bin/sh',
    ].join('\\n');
    writeFileSync(
      join(dir, 'console.pkr.hcl'),
      `source "qemu" "guest" {
  iso_url           = "${guest.disk}"
  iso_checksum      = "none"
  disk_image        = true
  use_backing_file  = true
  headless          = true
  memory            = 512
  accelerator       = "tcg"
  efi_firmware_code = "${firmware.code}"
  efi_firmware_vars = "${firmware.vars}"
  communicator      = "none"
  boot_wait         = "-1s"
  shutdown_timeout  = "15m"
  cd_label          = "cidata"
  cd_content = {
    "meta-data" = "instance-id: iid-kiln-console\\nlocal-hostname: kiln-console\\n"
    "user-data" = "${userData}\\n"
  }
  output_directory = "output-console"
}

build {
  sources = ["source.qemu.guest"]
}
`,
    );
    return dir;
  }

  it('shows the serial console and types into it: a login and a command at the serial shell reach the guest', async () => {
    const dir = project('typing');
    const term = new Terminal(['build', '--console', 'console.pkr.hcl'], dir, env);
    try {
      let at = await term.waitFor(
        /Serial console follows: what you type goes to the VM \(Ctrl-\] stops typing, Ctrl-C cancels the build\)\./,
      );
      at = await term.waitFor(/kiln-console login: /, at);
      term.type('typist\r');
      at = await term.waitFor(/Password: /, at);
      term.type(`${PASSWORD}\r`);
      at = await term.waitFor(new RegExp(`\\$ (?:${ESC}\\[6n)?$`), at);
      // 42 is printed only if the guest's shell ran what was typed; poweroff ends the build.
      term.type('echo kiln-$((6*7))-typed; sleep 5; sudo poweroff\r');
      at = await term.waitFor(/kiln-42-typed/, at);
      term.type('\x1d');
      await term.waitFor(/Stopped typing into the serial console \(Ctrl-\]\); its output goes on\./, at);
      // Not typed into the VM any more: the terminal has its own line discipline back.
      term.type('echo not-$((2*3))-sent\r');
      const code = await term.exit;
      const out = term.output;
      expect(code, out).toBe(0);
      expect(out).toContain('Debian GNU/Linux 12 kiln-console /dev/ttyS0');
      expect(out).not.toContain('not-6-sent');
      expect(out).toContain('reboot: Power down');
      expect(out).toContain("Build 'qemu.guest' finished after");
      // Kiln's messages start on lines of their own, even after the half-line `login: ` prompt.
      expect(out).toMatch(new RegExp(`\n${SGR}==> qemu\\.guest: Waiting for shutdown\\.\\.\\.`));
      const log = readFileSync(join(dir, 'output-console.console.log'), 'latin1');
      expect(log).toContain('kiln-console login: ');
      expect(log).toContain('kiln-42-typed');
      expect(qemuProcessesUsing(runDir)).toEqual([]);
      expect(runtimeLeftovers()).toEqual([]);
    } finally {
      term.kill();
    }
  }, 900_000);

  it('Ctrl-C in the raw terminal cancels the build cleanly, as Ctrl-C does without --console', async () => {
    const dir = project('cancel');
    const term = new Terminal(['build', '--console', 'console.pkr.hcl'], dir, env);
    try {
      const at = await term.waitFor(/Serial console follows/);
      // The VM is up once its firmware has printed something.
      await term.waitFor(/BdsDxe|kiln-initramfs/, at);
      const pressed = Date.now();
      term.type('\x03');
      const code = await term.exit;
      const out = term.output;
      expect(code, out).toBe(1);
      expect(Date.now() - pressed).toBeLessThan(30_000);
      expect(out).toContain('Cancelling build after receiving interrupt');
      expect(out).toContain('Cleanly cancelled builds after being interrupted.');
      expect(existsSync(join(dir, 'output-console'))).toBe(false);
      expect(qemuProcessesUsing(runDir)).toEqual([]);
      expect(runtimeLeftovers()).toEqual([]);
    } finally {
      term.kill();
    }
  }, 900_000);
});
