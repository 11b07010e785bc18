/**
 * The qemu builder's steps from the network to the end: stepHTTPIPDiscover, StepHTTPServer,
 * stepPortForward, stepConfigureVNC, stepPrepareEfivars, stepRun, stepConfigureQMP,
 * stepTypeBootCommand, stepWaitGuestAddress, stepShutdown and stepConvertDisk. Messages are Packer's.
 */
import { randomInt } from 'node:crypto';
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { CANCELLED, COMMUNICATOR, ERROR, HALTED, HTTP_IP, HTTP_PORT } from '../../build/step';
import type { CleanupContext, Step, StepAction, StepContext } from '../../build/step';
import { formatGoDuration } from '../../build/duration';
import { runWithUi } from '../../comm/communicator';
import { SSH_KEY_PAIR } from '../../comm/step-connect';
import { chooseAccelerator } from '../../vm/accelerator';
import { keyInterval, typeBootCommand } from '../../vm/boot-command';
import { findUefiFirmware, varsForCode } from '../../vm/firmware';
import { attachHandler } from '../../vm/http-server';
import { findPort } from '../../vm/ports';
import type { ListeningLease, PortLease } from '../../vm/ports';
import { screendump, sendKeyEvent } from '../../vm/qmp';
import { QemuVm } from '../../vm/qemu-process';
import { convertImage, QemuImgError } from '../../vm/qemu-img';
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { buildCommandLine, communicatorPort } from './command-line';
import type { QemuBuildContext } from './context';
import {
  ACCELERATOR,
  CD_PATH,
  COMM_HOST_PORT,
  DISK_PATHS,
  EFIVARS_PATH,
  FLOPPY_PATH,
  ISO_PATH,
  VM,
  VNC_PASSWORD,
  VNC_PORT,
  resolvePath,
} from './context';
import { mainDiskPath } from './steps-prepare';

function fail(ctx: StepContext, err: Error, print = true): StepAction {
  ctx.state.put(ERROR, err);
  if (print) ctx.ui.error(err.message);
  return 'halt';
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** stepHTTPIPDiscover: 10.0.2.2 (qemu's user network), or the bridge's first IPv4 address. */
export class StepHttpIpDiscover implements Step {
  readonly name = 'stepHTTPIPDiscover';
  readonly title = 'Find the host address';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const bridge = this.build.config.net_bridge;
    if (!bridge) {
      ctx.state.put(HTTP_IP, '10.0.2.2');
      return 'continue';
    }
    const addrs = networkInterfaces()[bridge];
    if (!addrs) {
      ctx.ui.error(`Error getting the bridge ${bridge} interface: route ip+net: no such network interface`);
      return 'halt';
    }
    const v4 = addrs.find((a) => a.family === 'IPv4');
    if (!v4) {
      ctx.ui.error(`Error getting an IPv4 address from the bridge ${bridge}: cannot find any IPv4 address`);
      return 'halt';
    }
    ctx.state.put(HTTP_IP, v4.address);
    return 'continue';
  }
}

/** StepHTTPServer: http_directory or http_content on a port in [http_port_min, http_port_max). */
export class StepHttpServer implements Step {
  readonly name = 'StepHTTPServer';
  readonly title = 'Start the HTTP server';
  private lease: ListeningLease<HttpServer> | undefined;

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    const hasContent = Object.keys(c.http_content).length > 0;
    if (!c.http_directory && !hasContent) {
      ctx.state.put(HTTP_PORT, 0);
      return 'continue';
    }
    const directory = c.http_directory ? resolvePath(this.build, c.http_directory) : undefined;
    if (directory !== undefined) {
      try {
        statSync(directory);
      } catch {
        return fail(
          ctx,
          new Error(
            `Error finding ${JSON.stringify(c.http_directory)}: stat ${c.http_directory}: no such file or directory`,
          ),
        );
      }
    }
    try {
      this.lease = await findPort({
        host: c.http_bind_address,
        min: c.http_port_min,
        max: c.http_port_max,
        signal: ctx.signal,
        keepListening: true,
        createServer: () => createServer({ keepAlive: true }),
      });
    } catch (err) {
      if (ctx.signal.aborted) return 'halt';
      return fail(ctx, new Error(`Error finding port: ${(err as Error).message}`));
    }
    attachHandler(
      this.lease.server,
      directory !== undefined ? { directory } : { content: c.http_content },
      (r) => ctx.ui.message(`HTTP ${r.method} ${r.path} → ${r.status}`),
    );
    ctx.ui.say(`Starting HTTP server on port ${this.lease.port}`);
    ctx.state.put(HTTP_PORT, this.lease.port);
    return 'continue';
  }

  async cleanup(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    if (!lease) return;
    lease.server.closeAllConnections();
    await new Promise<void>((resolve) => lease.server.close(() => resolve()));
    lease.release();
  }
}

/** stepPortForward: a free host port forwarded to the guest's SSH port. */
export class StepPortForward implements Step {
  readonly name = 'stepPortForward';
  readonly title = 'Forward the SSH port';
  private lease: PortLease | undefined;

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if ((c.communicator || 'ssh') === 'none') {
      ctx.ui.message('No communicator is set; skipping port forwarding setup.');
      return 'continue';
    }
    if (c.net_bridge) {
      ctx.ui.message('net_bridge is set; skipping port forwarding setup.');
      return 'continue';
    }
    if (c.skip_nat_mapping) {
      ctx.state.put(COMM_HOST_PORT, communicatorPort(c));
      return 'continue';
    }
    try {
      this.lease = await findPort({
        host: c.vnc_bind_address,
        min: c.host_port_min,
        max: c.host_port_max,
        signal: ctx.signal,
      });
    } catch (err) {
      if (ctx.signal.aborted) return 'halt';
      return fail(ctx, new Error(`Error finding port: ${(err as Error).message}`));
    }
    ctx.ui.say(`Found port for communicator (SSH, WinRM, etc): ${this.lease.port}.`);
    ctx.state.put(COMM_HOST_PORT, this.lease.port);
    return 'continue';
  }

  async cleanup(): Promise<void> {
    this.lease?.release();
    this.lease = undefined;
  }
}

const VNC_CHARSET = '012345689abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** stepConfigureVNC: a VNC port (and password) for the VM's screen. */
export class StepConfigureVnc implements Step {
  readonly name = 'stepConfigureVNC';
  readonly title = 'Configure VNC';
  private lease: PortLease | undefined;

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    ctx.ui.say(
      `Looking for available port between ${c.vnc_port_min} and ${c.vnc_port_max} on ${c.vnc_bind_address}`,
    );
    try {
      this.lease = await findPort({
        host: c.vnc_bind_address,
        min: c.vnc_port_min,
        max: c.vnc_port_max,
        signal: ctx.signal,
      });
    } catch (err) {
      if (ctx.signal.aborted) return 'halt';
      return fail(ctx, new Error(`Error finding VNC port: ${(err as Error).message}`));
    }
    let password = '';
    if (c.vnc_use_password) {
      if (c.vnc_password.length > 8) {
        return fail(
          ctx,
          new Error(
            `Error finding VNC password: password length is longer than expected ${c.vnc_password.length} > 8`,
          ),
        );
      }
      password =
        c.vnc_password ||
        Array.from({ length: 8 }, () => VNC_CHARSET[randomInt(VNC_CHARSET.length)]).join('');
      ctx.ui.addSecret(password);
    }
    ctx.state.put(VNC_PORT, this.lease.port);
    ctx.state.put(VNC_PASSWORD, password);
    return 'continue';
  }

  async cleanup(): Promise<void> {
    this.lease?.release();
    this.lease = undefined;
  }
}

/**
 * stepPrepareEfivars: a per-build copy of the VARS template as `<output_directory>/efivars.fd`.
 * Kiln finds OVMF when the template relies on Packer's default paths and they are missing here.
 */
export class StepPrepareEfivars implements Step {
  readonly name = 'stepPrepareEfivars';
  readonly title = 'Copy the UEFI variables';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if (!c.efi_boot) return 'continue';
    let code = resolvePath(this.build, c.efi_firmware_code);
    let vars = resolvePath(this.build, c.efi_firmware_vars);
    if (!existsSync(code) || !existsSync(vars)) {
      const found = findUefiFirmware();
      const missing = !existsSync(code) ? c.efi_firmware_code : c.efi_firmware_vars;
      if (!found) {
        ctx.ui.error(
          `failed to read from efivars file at ${missing}: no such file, and no OVMF firmware was found on this host (install ovmf)`,
        );
        return 'halt';
      }
      if (!existsSync(code)) code = found.code;
      if (!existsSync(vars)) vars = varsForCode(code) ?? found.vars;
      ctx.ui.message(`${missing} does not exist here; using the UEFI firmware ${code} with ${vars}`);
      // The command line reads the code path from the config.
      c.efi_firmware_code = code;
    }
    const dest = join(c.output_directory, 'efivars.fd');
    try {
      copyFileSync(vars, resolvePath(this.build, dest));
    } catch (err) {
      ctx.ui.error(`failed to copy efivars data: ${(err as Error).message}`);
      return 'halt';
    }
    ctx.state.put(EFIVARS_PATH, dest);
    return 'continue';
  }

  async cleanup({ state }: CleanupContext): Promise<void> {
    const path = state.get(EFIVARS_PATH);
    if (path && (state.has(CANCELLED) || state.has(HALTED)))
      rmSync(resolvePath(this.build, path), { force: true });
  }
}

function hasDisplay(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/**
 * stepRun: builds Packer's command line and starts qemu. Kiln adds its QMP socket and serial console,
 * chooses the accelerator when none is set (KVM only when a probe guest boots under it), and runs
 * headless when `-display gtk` was only a default and there is no display to open a window on.
 */
export class StepRun implements Step {
  readonly name = 'stepRun';
  readonly title = 'Start the VM';
  private withdrawVm: (() => void) | undefined;

  constructor(
    private readonly build: QemuBuildContext,
    private readonly hooks: {
      onConsole?: (data: Buffer) => void;
      consoleLog?: string;
      env?: NodeJS.ProcessEnv;
    } = {},
  ) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    const env = this.hooks.env ?? process.env;
    let accelerator = c.accelerator;
    if (!accelerator) {
      try {
        const choice = await chooseAccelerator({ binary: c.qemu_binary, signal: ctx.signal });
        accelerator = choice.accelerator;
        ctx.ui.say(choice.cached ? `${choice.reason} (checked earlier this boot)` : choice.reason);
      } catch (err) {
        if (ctx.signal.aborted) return 'halt';
        return fail(ctx, new Error(`Error choosing the accelerator: ${(err as Error).message}`));
      }
    }
    ctx.state.put(ACCELERATOR, accelerator);

    const state = ctx.state;
    const line = buildCommandLine(
      { ...c, accelerator },
      {
        commHostPort: state.get(COMM_HOST_PORT),
        vncPort: state.require(VNC_PORT),
        vncPassword: state.get(VNC_PASSWORD) ?? '',
        diskPaths: state.get(DISK_PATHS) ?? [],
        isoPath: state.get(ISO_PATH),
        cdPath: state.get(CD_PATH),
        floppyPath: state.get(FLOPPY_PATH),
        efivarsPath: state.get(EFIVARS_PATH),
        httpIp: state.get(HTTP_IP) ?? '',
        httpPort: state.get(HTTP_PORT) ?? 0,
      },
      { render: (template, data) => this.build.render(template, data) },
    );
    for (const m of line.messages) ctx.ui.log(m.level, m.text);

    let args = line.args;
    const displayIndex = args.indexOf('-display');
    const userSetDisplay = c.qemuargs.some((row) => row[0] === '-display');
    if (displayIndex >= 0 && args[displayIndex + 1] === 'gtk' && !userSetDisplay && !hasDisplay(env)) {
      ctx.ui.message(
        'There is no display to open the VM window on: running it headless (its screen is in Kiln, and over VNC).',
      );
      args = [...args.slice(0, displayIndex), ...args.slice(displayIndex + 2)];
    }

    let vm: QemuVm;
    try {
      vm = await QemuVm.start({
        binary: c.qemu_binary,
        args,
        cwd: this.build.cwd,
        label: this.build.buildName,
        registry: this.build.registry,
        signal: ctx.signal,
        ...(this.hooks.consoleLog ? { consoleLog: this.hooks.consoleLog } : {}),
        onConsole: (data) => {
          ctx.ui.console('serial', data);
          this.hooks.onConsole?.(data);
        },
        onOutput: (text) => ctx.ui.message(`qemu: ${text}`),
      });
    } catch (err) {
      if (ctx.signal.aborted) return 'halt';
      return fail(ctx, new Error(`Error launching VM: ${(err as Error).message}`));
    }
    state.put(VM, vm);
    if (vm.route.kind === 'none') ctx.ui.message(`No serial console in Kiln: ${vm.route.reason}.`);
    // The app's terminal and screen and `kiln build --console` use this handle (live.ts); withdrawn
    // when qemu exits or before the VM is stopped.
    this.withdrawVm = ctx.ui.expose('vm', {
      writeConsole: (data) => vm.writeConsole(data),
      screendump: async (file) => {
        if (!vm.qmp || vm.hasExited) throw new Error('the VM is not running');
        await screendump(vm.qmp, file);
      },
    });
    void vm.exited.then(() => this.withdrawVm?.());
    return 'continue';
  }

  async cleanup({ state, ui }: CleanupContext): Promise<void> {
    this.withdrawVm?.();
    this.withdrawVm = undefined;
    const vm = state.get(VM);
    if (!vm) return;
    try {
      await vm.dispose();
    } catch (err) {
      ui.error(`Error shutting down VM: ${(err as Error).message}`);
    }
  }
}

/** stepConfigureQMP: Packer's own QMP socket (qmp_enable); sets the VNC password through Kiln's QMP. */
export class StepConfigureQmp implements Step {
  readonly name = 'stepConfigureQMP';
  readonly title = 'Configure QMP';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if (!c.qmp_enable) return 'continue';
    ctx.ui.say(`QMP socket at: ${c.qmp_socket_path}`);
    const password = ctx.state.get(VNC_PASSWORD);
    if (password) {
      try {
        await ctx.state.require(VM).qmp?.execute('change-vnc-password', { password });
      } catch (err) {
        return fail(ctx, new Error(`Error connecting to QMP socket: ${(err as Error).message}`));
      }
    }
    return 'continue';
  }

  async cleanup(): Promise<void> {
    const c = this.build.config;
    if (c.qmp_enable && c.qmp_socket_path)
      rmSync(resolvePath(this.build, c.qmp_socket_path), { force: true });
  }
}

/** Maps a UTF-16 predicate to code point positions (the typer counts code points). */
function codePointCovers(text: string, covers: (utf16: number) => boolean): (index: number) => boolean {
  const offsets: number[] = [];
  let offset = 0;
  for (const ch of text) {
    offsets.push(offset);
    offset += ch.length;
  }
  return (index) => offsets[index] !== undefined && covers(offsets[index]);
}

/** stepTypeBootCommand: boot_wait, then boot_command (or boot_steps) typed as key events. */
export class StepTypeBootCommand implements Step {
  readonly name = 'stepTypeBootCommand';
  readonly title = 'Type the boot command';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if (c.disable_vnc) return 'continue';
    const steps: string[][] = c.boot_command.length > 0 ? [[c.boot_command.join('')]] : c.boot_steps;
    if (c.boot_wait > 0) {
      ctx.ui.say(`Waiting ${formatGoDuration(c.boot_wait)} for boot...`);
      if (!(await sleep(c.boot_wait, ctx.signal))) return 'halt';
    }
    const vm = ctx.state.require(VM);
    const qmp = vm.qmp;
    if (!qmp) return fail(ctx, new Error('Error connecting to the VM: no QMP connection'));
    if (steps.length === 0) return 'continue';
    ctx.ui.say('Typing the boot commands over QMP...');
    const data = {
      HTTPIP: ctx.state.get(HTTP_IP) ?? '',
      HTTPPort: String(ctx.state.get(HTTP_PORT) ?? 0),
      Name: c.vm_name,
      SSHPublicKey: ctx.state.get(SSH_KEY_PAIR)?.publicKey ?? '',
    };
    const interval = keyInterval(c.boot_key_interval);
    for (const step of steps) {
      if (step.length === 0) continue;
      const description = step[1] ?? '';
      if (description) ctx.ui.say(`Typing boot command for: ${description}`);
      let command: string;
      try {
        command = this.build.render(step[0], data);
      } catch (err) {
        return fail(ctx, new Error(`Error preparing boot command: ${(err as Error).message}`));
      }
      try {
        await typeBootCommand(command, {
          sink: { key: (qcode, down) => sendKeyEvent(qmp, qcode, down) },
          intervalMs: interval,
          signal: ctx.signal,
          sensitive: codePointCovers(command, (i) => ctx.ui.channel.masker.covers(command, i)),
          onKey: (key) =>
            ctx.ui.channel.emit({ type: 'key', build: ctx.ui.build, source: 'boot_command', ...key }),
          onUntypeable: (ch) =>
            ctx.ui.message(`boot_command: no key types ${JSON.stringify(ch)} on a US keyboard; skipped`),
        });
      } catch (err) {
        if (ctx.signal.aborted) return 'halt';
        const message = (err as Error).message;
        return fail(
          ctx,
          new Error(message.startsWith('Error') ? message : `Error running boot command: ${message}`),
        );
      }
    }
    return 'continue';
  }
}

/** stepWaitGuestAddress: only with net_bridge (the guest's address from the host's ARP table). */
export class StepWaitGuestAddress implements Step {
  readonly name = 'stepWaitGuestAddress';
  readonly title = 'Wait for the guest address';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if ((c.communicator || 'ssh') === 'none') return 'continue';
    if (!c.net_bridge) {
      ctx.ui.message('Not using a NetBridge -- skipping StepWaitGuestAddress');
      return 'continue';
    }
    return fail(
      ctx,
      new Error('net_bridge: Kiln cannot find the guest address on a bridge yet; use user networking'),
    );
  }
}

/** stepShutdown: wait for power-off (communicator none), shutdown_command then wait, or halt (kill). */
export class StepShutdown implements Step {
  readonly name = 'stepShutdown';
  readonly title = 'Shut down';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    const vm = ctx.state.require(VM);
    if ((c.communicator || 'ssh') === 'none') {
      ctx.ui.say('Waiting for shutdown...');
      const exit = await vm.waitForExit(c.shutdown_timeout, ctx.signal);
      if (ctx.signal.aborted) return 'halt';
      if (!exit) return fail(ctx, new Error('Failed to shutdown'));
      return 'continue';
    }
    if (c.shutdown_command) {
      const comm = ctx.state.require(COMMUNICATOR);
      ctx.ui.say('Gracefully halting virtual machine...');
      try {
        await runWithUi(comm, c.shutdown_command, ctx.ui, ctx.signal);
      } catch (err) {
        if (ctx.signal.aborted) return 'halt';
        // The guest going down while the command runs is the expected outcome.
        if (!vm.hasExited && !/disconnect|closed|reset|ECONNRESET|EOF/i.test((err as Error).message)) {
          return fail(ctx, new Error(`Failed to send shutdown command: ${(err as Error).message}`));
        }
      }
      const exit = await vm.waitForExit(c.shutdown_timeout, ctx.signal);
      if (ctx.signal.aborted) return 'halt';
      if (!exit) return fail(ctx, new Error('Timeout while waiting for machine to shut down.'));
      return 'continue';
    }
    ctx.ui.say('Halting the virtual machine...');
    await vm.stop();
    return 'continue';
  }
}

/** stepConvertDisk: compacts (and with disk_compression compresses) the qcow2 after shutdown. */
export class StepConvertDisk implements Step {
  readonly name = 'stepConvertDisk';
  readonly title = 'Convert the disk';

  constructor(private readonly build: QemuBuildContext) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const c = this.build.config;
    if (c.skip_compaction && !c.disk_compression) return 'continue';
    const source = resolvePath(this.build, mainDiskPath(this.build));
    const target = `${source}.convert`;
    ctx.ui.say('Converting hard drive...');
    const progress = ctx.ui.progress('convert', 'Converting the disk', 100);
    for (let attempt = 1; ; attempt++) {
      try {
        await convertImage({
          source,
          dest: target,
          outputFormat: c.format,
          compress: c.disk_compression,
          extraArgs: c.qemu_img_args.convert,
          signal: ctx.signal,
          onProgress: (percent) => progress.update(percent),
        });
        break;
      } catch (err) {
        if (ctx.signal.aborted) {
          rmSync(target, { force: true });
          return 'halt';
        }
        const message = (err as Error).message;
        if (
          err instanceof QemuImgError &&
          message.includes('Failed to get shared "write" lock') &&
          attempt < 10
        ) {
          ctx.ui.say('Error getting file lock for conversion; retrying...');
          await sleep(1000 * attempt, ctx.signal);
          continue;
        }
        rmSync(target, { force: true });
        return fail(
          ctx,
          new Error(
            attempt >= 10
              ? `Exhausted retries for getting file lock: ${message}`
              : `Error converting hard drive: ${message}`,
          ),
        );
      }
    }
    progress.done();
    try {
      renameSync(target, source);
    } catch (err) {
      return fail(ctx, new Error(`Error moving converted hard drive: ${(err as Error).message}`));
    }
    return 'continue';
  }
}
