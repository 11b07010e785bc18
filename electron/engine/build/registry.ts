/**
 * Every component Kiln can run, by kind and type. A factory takes the component's decoded config (the
 * template schema's typed config, with Packer's key names) and what run-time rendering needs. Other
 * builders (qemu) and post-processors (MAAS) register here with one line each.
 *
 * The qemu builder and the MAAS post-processors are loaded when a build first runs them: their modules
 * (zod schemas of the MAAS API, https, the VM code) cost every `kiln build` ~50 ms to load otherwise.
 * Their constructors only keep the config, so nothing is checked later than before.
 */
import type {
  Artifact,
  Builder,
  BuilderContext,
  ComponentContext,
  PostProcessor,
  Provisioner,
  Render,
} from './components';
import { FileBuilder } from '../builders/file/builder';
import type { FileBuilderConfig } from '../builders/file/builder';
import { NullBuilder } from '../builders/null/builder';
import type { QemuBuilderConfig } from '../template/schema/components/builder-qemu';
import type { NullBuilderConfig } from '../builders/null/builder';
import { withKeyFileFrom } from '../comm/config';
import { ArtificePostProcessor } from '../postprocessors/artifice';
import type { ArtificeConfig } from '../postprocessors/artifice';
import { ChecksumPostProcessor } from '../postprocessors/checksum';
import type { ChecksumConfig } from '../postprocessors/checksum';
import { CompressPostProcessor } from '../postprocessors/compress';
import type { CompressConfig } from '../postprocessors/compress';
import { ManifestPostProcessor } from '../postprocessors/manifest';
import type { ManifestConfig } from '../postprocessors/manifest';
import { ShellLocalPostProcessor } from '../postprocessors/shell-local';
import type { MaasImageConfig, MaasUploadConfig } from '../template/schema';
import { BreakpointProvisioner } from '../provisioners/breakpoint';
import type { BreakpointConfig } from '../provisioners/breakpoint';
import { FileProvisioner } from '../provisioners/file';
import type { FileConfig } from '../provisioners/file';
import { ShellProvisioner } from '../provisioners/shell';
import type { ShellConfig } from '../provisioners/shell';
import { ShellLocalProvisioner, validateShellLocal } from '../provisioners/shell-local';
import type { ShellLocalConfig } from '../provisioners/shell-local';

export interface FactoryDeps {
  render: Render;
  /** Relative paths in configs are relative to this (Packer: the working directory). */
  cwd: string;
}

/** A builder whose module is imported on its first run. */
function lazyBuilder(load: () => Promise<Builder>): Builder {
  let loaded: Promise<Builder> | undefined;
  return {
    run: async (ctx: BuilderContext) => (await (loaded ??= load())).run(ctx),
  };
}

/** A post-processor whose module is imported on its first use. */
function lazyPostProcessor(load: () => Promise<PostProcessor>): PostProcessor {
  let loaded: Promise<PostProcessor> | undefined;
  return {
    postProcess: async (ctx: ComponentContext, input: Artifact) =>
      (await (loaded ??= load())).postProcess(ctx, input),
  };
}

// The config arrives decoded and checked by the template schema; each factory names its type.
type Factory<T> = (config: never, deps: FactoryDeps) => T;

export const builderFactories: Record<string, Factory<Builder>> = {
  null: (config: NullBuilderConfig, { cwd }) => new NullBuilder(withKeyFileFrom(config, cwd)),
  file: (config: FileBuilderConfig) => new FileBuilder(config),
  qemu: (config: QemuBuilderConfig, { render, cwd }) =>
    lazyBuilder(async () => {
      const { QemuBuilder } = await import('../builders/qemu/builder');
      return new QemuBuilder(config, { render, cwd });
    }),
};

export const provisionerFactories: Record<string, Factory<Provisioner>> = {
  shell: (config: ShellConfig, { render, cwd }) => new ShellProvisioner(config, render, cwd),
  'shell-local': (config: ShellLocalConfig, { render, cwd }) => {
    validateShellLocal(config, { cwd });
    return new ShellLocalProvisioner(config, render);
  },
  file: (config: FileConfig, { cwd }) => new FileProvisioner(config, cwd),
  breakpoint: (config: BreakpointConfig) => new BreakpointProvisioner(config),
};

export const postProcessorFactories: Record<string, Factory<PostProcessor>> = {
  compress: (config: CompressConfig, { render }) => new CompressPostProcessor(config, render),
  checksum: (config: ChecksumConfig, { render }) => new ChecksumPostProcessor(config, render),
  manifest: (config: ManifestConfig) => new ManifestPostProcessor(config),
  'shell-local': (config: ShellLocalConfig, { render, cwd }) =>
    new ShellLocalPostProcessor(config, render, cwd),
  artifice: (config: ArtificeConfig) => new ArtificePostProcessor(config),
  'maas-image': (config: MaasImageConfig, { render }) =>
    lazyPostProcessor(async () => {
      const { MaasImagePostProcessor } = await import('../maas/postprocessors/maas-image');
      return new MaasImagePostProcessor(config, render);
    }),
  'maas-upload': (config: MaasUploadConfig) =>
    lazyPostProcessor(async () => {
      const { MaasUploadPostProcessor } = await import('../maas/postprocessors/maas-upload');
      return new MaasUploadPostProcessor(config);
    }),
};
