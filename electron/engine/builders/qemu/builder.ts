/**
 * The qemu builder: packer-plugin-qemu's step list in its order (builder.go), run by the engine's
 * runner, producing Packer's artifact (every regular file in output_directory, efivars.fd left out
 * with efi_drop_efivars).
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Artifact, Builder, BuilderContext, Render } from '../../build/components';
import { StepProvision } from '../../build/provision';
import { ERROR, GENERATED_DATA } from '../../build/step';
import type { Step } from '../../build/step';
import type { CommunicatorConfig } from '../../comm/config';
import { withKeyFileFrom } from '../../comm/config';
import { StepConnect, StepSshKeyGen } from '../../comm/step-connect';
import { StepCleanupTempKeys } from '../../comm/step-cleanup-temp-keys';
import type { QemuBuilderConfig } from '../../template/schema/components/builder-qemu';
import { defaultCacheDir } from '../../vm/download';
import { VmRegistry } from '../../vm/registry';
import type { QemuBuildContext } from './context';
import { ACCELERATOR, COMM_HOST_PORT, DISK_PATHS, QEMU_BUILDER_ID, resolvePath } from './context';
import {
  StepCopyDisk,
  StepCreateCd,
  StepCreateDisk,
  StepCreateFloppy,
  StepCreateVtpm,
  StepDownload,
  StepPrepareOutputDir,
  StepResizeDisk,
} from './steps-prepare';
import {
  StepConfigureQmp,
  StepConfigureVnc,
  StepConvertDisk,
  StepHttpIpDiscover,
  StepHttpServer,
  StepPortForward,
  StepPrepareEfivars,
  StepRun,
  StepShutdown,
  StepTypeBootCommand,
  StepWaitGuestAddress,
} from './steps-run';

export class QemuArtifact implements Artifact {
  readonly builderId = QEMU_BUILDER_ID;
  readonly id = 'VM';

  constructor(
    /** output_directory as the template wrote it (Packer prints it so). */
    private readonly dir: string,
    private readonly absDir: string,
    readonly files: string[],
    readonly state: Readonly<Record<string, unknown>>,
    readonly generatedData: Readonly<Record<string, string>>,
  ) {}

  describe(): string {
    return `VM files in directory: ${this.dir}`;
  }

  async destroy(): Promise<void> {
    rmSync(this.absDir, { recursive: true, force: true });
  }
}

/** filepath.Walk order: lexical within each folder, paths as the template wrote output_directory. */
export function artifactFiles(dir: string, absDir: string, dropEfivars: boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string, abs: string) => {
    for (const name of readdirSync(abs).sort()) {
      const childAbs = join(abs, name);
      const childRel = rel === '' ? name : `${rel}/${name}`;
      if (dropEfivars && name === 'efivars.fd') continue;
      if (statSync(childAbs).isDirectory()) walk(childRel, childAbs);
      else out.push(join(dir, childRel));
    }
  };
  walk('', absDir);
  return out;
}

export interface QemuBuilderDeps {
  render: Render;
  cwd: string;
  /** Where downloaded images are cached (PACKER_CACHE_DIR, else ~/.cache/kiln/downloads). */
  cacheDir?: string;
  registry?: VmRegistry;
  /** Where the serial console is logged; default `<output_directory>.console.log` beside the output. */
  consoleLog?: string;
}

export { defaultCacheDir };

export class QemuBuilder implements Builder {
  constructor(
    private readonly config: QemuBuilderConfig,
    private readonly deps: QemuBuilderDeps,
  ) {}

  /** The console log beside the output folder (not in it: the artifact is every file in it). */
  consoleLogPath(): string {
    return (
      this.deps.consoleLog ??
      `${resolvePath(this.deps, this.config.output_directory).replace(/\/+$/, '')}.console.log`
    );
  }

  steps(build: QemuBuildContext, hook: BuilderContext['hook'], runUuid: string): Step[] {
    const c = this.config;
    const comm = withKeyFileFrom(c as unknown as CommunicatorConfig, this.deps.cwd);
    const steps: Step[] = [
      new StepDownload(build),
      new StepPrepareOutputDir(build),
      new StepCreateVtpm(build),
      new StepCreateFloppy(build),
      new StepCreateCd(build),
      new StepCreateDisk(build),
      new StepCopyDisk(build),
      new StepResizeDisk(build),
      new StepHttpIpDiscover(build),
      new StepHttpServer(build),
      new StepPortForward(build),
    ];
    if ((c.communicator || 'ssh') === 'ssh') steps.push(new StepSshKeyGen(comm));
    steps.push(
      new StepConfigureVnc(build),
      new StepPrepareEfivars(build),
      new StepRun(build, { consoleLog: this.consoleLogPath() }),
      new StepConfigureQmp(build),
      new StepTypeBootCommand(build),
      new StepWaitGuestAddress(build),
      new StepConnect(comm, {
        host: () => c.ssh_host || '127.0.0.1',
        port: (state) => state.get(COMM_HOST_PORT) ?? c.ssh_port,
      }),
      new StepProvision(hook, runUuid),
      new StepCleanupTempKeys(comm),
      new StepShutdown(build),
      new StepConvertDisk(build),
    );
    return steps;
  }

  async run(ctx: BuilderContext): Promise<Artifact | undefined> {
    const build: QemuBuildContext = {
      config: this.config,
      cwd: this.deps.cwd,
      render: this.deps.render,
      temp: ctx.temp,
      force: ctx.build.force,
      debug: ctx.build.debug,
      buildName: ctx.build.name,
      registry: this.deps.registry ?? new VmRegistry(),
      cacheDir: this.deps.cacheDir ?? defaultCacheDir(),
    };
    // VMs left running by a Kiln process that died (a crash, SIGKILL) are stopped before a new one starts.
    for (const reaped of await build.registry.reapOrphans()) {
      const vm = `VM "${reaped.record.label}" (qemu pid ${reaped.record.qemu.pid})`;
      ctx.ui.message(
        reaped.killed
          ? `Stopped ${vm}, left running by a Kiln process that ended without stopping it.`
          : `Removed the sockets of ${vm}, left by a Kiln process that ended without cleaning up.`,
      );
    }
    const state = ctx.newState();
    await ctx.runSteps(this.steps(build, ctx.hook, ctx.build.runUuid), state);
    const error = state.get(ERROR);
    if (error) throw error;
    if (ctx.signal.aborted) throw new Error('Build was cancelled.');
    const absDir = resolvePath(build, this.config.output_directory);
    const files = artifactFiles(this.config.output_directory, absDir, this.config.efi_drop_efivars);
    const artifactState = {
      diskName: this.config.vm_name,
      diskPaths: state.get(DISK_PATHS),
      diskType: this.config.format,
      diskSize: this.config.disk_size,
      domainType: state.get(ACCELERATOR) ?? this.config.accelerator,
    };
    return new QemuArtifact(
      this.config.output_directory,
      absDir,
      files,
      artifactState,
      state.get(GENERATED_DATA) ?? {},
    );
  }
}

/** For messages: a path shown relative to the working directory when it is inside it. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') ? path : rel;
}
