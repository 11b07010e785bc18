/**
 * The template model: what a loaded template (JSON or HCL2) means, in one shape for both formats.
 * The build engine runs BuildPlans; the editor's pipeline view, hover and breakpoints read the
 * component addresses and ranges; `inspect` prints the variables and builds.
 */
import type { ConfigObject, ConfigRanges } from './config';
import type { Diagnostic, Range } from './source';

export type TemplateFormat = 'json' | 'hcl';
export type ComponentKind = 'builder' | 'provisioner' | 'post-processor' | 'data';

/**
 * Values a component config can refer to that only exist while a build runs: Packer's build template
 * variables (`build.Host`, `{{ build `Host` }}`) and the names of the build.
 */
export interface RuntimeVars {
  /** Packer's build name (JSON: the builder name; HCL: `<type>.<name>` or `<build>.<type>.<name>`). */
  buildName: string;
  /** The HCL build block's `name`, empty for JSON or unnamed builds. */
  buildBlockName: string;
  builderType: string;
  /** The HCL source's (local) name; for JSON, the builder name. */
  sourceName: string;
  /** Generated data: ID, Host, Port, User, Password, ConnType, PackerRunUUID, PackerHTTPIP, PackerHTTPPort,
   * PackerHTTPAddr, SSHPublicKey, SSHPrivateKey, WinRMPassword and builder-specific keys. Absent = unknown. */
  generated?: Record<string, string>;
}

/** A config as the component should receive it, before the component's own decoding and Go-template rendering. */
export interface ResolvedConfig {
  config: ConfigObject;
  ranges: ConfigRanges;
  diagnostics: Diagnostic[];
}

/** One builder/source, provisioner, post-processor or data source as written in the template. */
export interface ComponentInstance {
  kind: ComponentKind;
  type: string;
  /** The provisioner/post-processor `name` meta-argument, else the type; for builders the source name. */
  name: string;
  /**
   * Stable address of the block, independent of line numbers, used for breakpoints and the visual editor.
   * JSON: `builders[0]`, `provisioners[2]`, `post-processors[1][0]`, `error-cleanup-provisioner`.
   * HCL: `source.qemu.ubuntu`, `build[0].provisioner[2]`, `build[0].post-processors[1][0]`,
   * `build[0].error-cleanup-provisioner`, `data.http.example`.
   */
  address: string;
  /** The whole block or object. */
  range: Range;
  /** The type label or `"type"` value. */
  typeRange: Range;
  /**
   * The config for one build. At validate time `runtime.generated` is absent and values depending on it are
   * UNKNOWN; at run time the engine passes the real values. Applies per-build `override` for provisioners.
   */
  resolve(runtime: RuntimeVars): ResolvedConfig;
}

export interface ProvisionerInstance extends ComponentInstance {
  kind: 'provisioner';
  /** Milliseconds; 0 when unset. */
  pauseBefore: number;
  maxRetries: number;
  /** Milliseconds; 0 when unset. */
  timeout: number;
}

export interface PostProcessorInstance extends ComponentInstance {
  kind: 'post-processor';
  /** undefined when the template does not say (Packer's default rules apply). */
  keepInputArtifact?: boolean;
}

export interface BuildPlan {
  /** Packer's build name, matched by -only/-except. */
  name: string;
  builderType: string;
  sourceName: string;
  /** The HCL build block's name ('' when absent or JSON). */
  buildBlockName: string;
  /** HCL: the build block's description. */
  description?: string;
  builder: ComponentInstance;
  /** Provisioners that apply to this build (only/except already applied), in order. */
  provisioners: ProvisionerInstance[];
  errorCleanupProvisioner?: ProvisionerInstance;
  /** Post-processor chains that apply to this build, each a sequence. */
  postProcessors: PostProcessorInstance[][];
}

export interface VariableInfo {
  name: string;
  /** `var.x` for HCL, `x` for JSON. */
  displayName: string;
  /** The final value as `console` prints it (strings unquoted, collections in HCL layout; `<sensitive>` when sensitive). */
  display: string;
  sensitive: boolean;
  /** True when no value was given and there is no default. */
  required: boolean;
  /** HCL type constraint as written (`string`, `list(string)`), when declared. */
  type?: string;
  description?: string;
  range?: Range;
}

export interface LocalInfo {
  name: string;
  display: string;
  sensitive: boolean;
  range?: Range;
}

/** An HCL build block (or, for JSON, the one implicit build) as written, for inspect and the pipeline view. */
export interface BuildBlockInfo {
  name: string;
  description?: string;
  range?: Range;
  /** The declared sources the build uses, as `type.name` (inspect lists these). */
  sources: string[];
  provisioners: ComponentInstance[];
  errorCleanupProvisioner?: ComponentInstance;
  postProcessors: ComponentInstance[][];
}

export interface LoadedTemplate {
  format: TemplateFormat;
  /** The path given to load (a file or a folder). */
  path: string;
  /** The files read, in load order. */
  files: string[];
  description?: string;
  minPackerVersion?: string;
  variables: VariableInfo[];
  locals: LocalInfo[];
  /** Every builder/source declared, in order, whether or not a build uses it. */
  sources: ComponentInstance[];
  dataSources: ComponentInstance[];
  buildBlocks: BuildBlockInfo[];
  /** One plan per build Packer would run, in Packer's order. */
  builds: BuildPlan[];
  /** HCL2 `required_plugins` entries: Kiln answers some itself; components of the others cannot be built. */
  requiredPlugins?: { name: string; source: string; version?: string }[];
  /** Values to mask in every log: the values of sensitive variables (non-empty strings). */
  sensitiveValues: string[];
  diagnostics: Diagnostic[];
}
