/**
 * The interfaces every builder, provisioner and post-processor implements, and what the engine hands
 * them. A builder's run is usually `runSteps` over its own steps with a StepProvision among them.
 */
import type { Communicator } from '../comm/communicator';
import type { OnErrorMode } from './events';
import type { StateBag } from './state';
import type { Step } from './step';
import type { TempSpace } from './temp';
import type { BuildUi } from './ui';

/**
 * Renders a Go template at run time (Packer's interpolate.Render) for the keys Packer leaves raw at
 * prepare time (`execute_command`, compress and checksum `output`), with extra data such as `.Path`,
 * `.Vars` or `.BuildName` on top of the template's own context (user variables, build functions).
 */
export type Render = (template: string, data: Readonly<Record<string, string>>) => string;

/** What the engine knows about the build being run (Packer's PackerConfig). */
export interface BuildInfo {
  /** Packer's build name: the UI prefix, PACKER_BUILD_NAME for JSON, `{{build_name}}`. */
  name: string;
  builderType: string;
  /** The HCL source name (JSON: the builder name); PACKER_BUILD_NAME in HCL builds. */
  sourceName: string;
  buildBlockName: string;
  debug: boolean;
  force: boolean;
  onError: OnErrorMode;
  /** PACKER_RUN_UUID: one per `kiln build`, shared by all its builds (the manifest uses it). */
  runUuid: string;
  /** Directory relative paths in the template are resolved against (the cwd, as in Packer). */
  cwd: string;
}

/** Packer's Artifact. */
export interface Artifact {
  readonly builderId: string;
  readonly id: string;
  readonly files: readonly string[];
  /** Packer's `String()`, printed in the artifacts summary. */
  describe(): string;
  /** `State("generated_data")`: what the builder generated (ID, Host, ...), for post-processor templates. */
  readonly generatedData?: Readonly<Record<string, string>>;
  /** Deletes what the artifact is made of (when a post-processor does not keep its input). */
  destroy(): Promise<void>;
}

export interface ComponentContext {
  signal: AbortSignal;
  ui: BuildUi;
  build: BuildInfo;
  /** Temp files and folders owned by the build; removed when it ends or is cancelled. */
  temp: TempSpace;
}

export interface ProvisionerContext extends ComponentContext {
  comm: Communicator;
  /** Generated data: ID, Host, Port, User, Password, ConnType, PackerRunUUID, PackerHTTP*, SSHPublicKey, ... */
  generatedData: Readonly<Record<string, string>>;
}

export interface Provisioner {
  provision(ctx: ProvisionerContext): Promise<void>;
}

export interface PostProcessResult {
  /** Undefined halts the chain without an error (Packer's nil artifact). */
  artifact?: Artifact;
  /** Whether the input artifact is kept by default. */
  keep: boolean;
  /** When true the input is kept even if the template says keep_input_artifact = false. */
  forceOverride: boolean;
}

export interface PostProcessor {
  postProcess(ctx: ComponentContext, input: Artifact): Promise<PostProcessResult>;
}

/** Runs the template's provisioners for a build (Packer's provision hook). */
export interface ProvisionHook {
  /** Runs every provisioner in order; throws the first failure. */
  provision(ctx: Omit<ProvisionerContext, 'build' | 'temp'>): Promise<void>;
  /** Runs the error-cleanup-provisioner, if the template has one. */
  provisionCleanup(ctx: Omit<ProvisionerContext, 'build' | 'temp'>): Promise<void>;
  readonly hasProvisioners: boolean;
}

export interface BuilderContext extends ComponentContext {
  hook: ProvisionHook;
  /** Runs steps with this build's -debug/-on-error runner; the outcome is left in `state`. */
  runSteps(steps: readonly Step[], state: StateBag): Promise<void>;
  /** A fresh state bag holding what every build starts with. */
  newState(): StateBag;
}

export interface Builder {
  /** Runs the build; throws the build's error; undefined when there is no artifact. */
  run(ctx: BuilderContext): Promise<Artifact | undefined>;
}
