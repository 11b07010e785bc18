/**
 * The shape of a component schema: every key a builder, provisioner, post-processor or data source
 * accepts, with its type, default, allowed values and docs, plus the component's Prepare step.
 * `kiln validate`, the build engine (through the typed configs) and the editor (completion, hover)
 * all read this one description.
 */
import type { ConfigValue, Unknown } from '../config';
import type { TemplateHost } from '../host';
import type { ComponentKind } from '../model';

/** The value type of a key, as Packer decodes it (mapstructure in JSON, the HCL spec in HCL2). */
export type FieldType =
  | { kind: 'string' }
  | { kind: 'bool' }
  | { kind: 'int' }
  | { kind: 'float' }
  /** A Go duration string (`10s`, `1m30s`); decoded to milliseconds. */
  | { kind: 'duration' }
  | { kind: 'list'; of: FieldType }
  | { kind: 'map'; of: FieldType }
  /** A nested object with its own keys; `block` when HCL writes it as a block (`qemu_img_args { … }`). */
  | { kind: 'object'; fields: FieldMap; hcl: 'block' | 'attribute' }
  /** A repeated nested block (HCL) / an array of objects (JSON). */
  | { kind: 'blocks'; fields: FieldMap };

export interface FieldDefault {
  /** The value Prepare fills in when the key is unset or zero, when it is a constant. */
  value?: ConfigValue;
  /** How the default reads in docs, e.g. `output-<build name>` or `kvm if /dev/kvm works, else tcg`. */
  text: string;
}

export interface FieldDeprecation {
  /** What to say (Packer's own words where it has them). */
  message: string;
  /** The key that replaces it. */
  replacement?: string;
  /** True when the message is Packer's own warning (it then counts among Packer's warnings). */
  packer?: boolean;
}

export interface FieldSchema {
  type: FieldType;
  /** One line for completion lists and hover titles. */
  doc: string;
  /** Longer Markdown: details and an example. */
  details?: string;
  default?: FieldDefault;
  /** The values Packer accepts (for completion; Prepare reports bad values with Packer's message). */
  allowed?: readonly string[];
  /** True, or a sentence saying when it is required. */
  required?: boolean | string;
  deprecated?: FieldDeprecation;
  /** False for keys Packer leaves out of Prepare-time `{{ }}` rendering (boot_command, qemuargs, ...). */
  interpolate?: boolean;
  /** Internal keys Packer accepts but does not document; hidden from completion. */
  undocumented?: boolean;
  /** What Kiln does differently, said plainly (shown in hover). */
  kiln?: string;
  /** Since when Packer accepts the key, e.g. `qemu plugin 1.1.0`; absent for long-standing keys. */
  since?: string;
  /** The value is a secret (password, key). */
  sensitive?: boolean;
  /** The value names a local file or directory (editor path completion). */
  path?: 'file' | 'dir' | 'file-or-dir';
}

export type FieldMap = Record<string, FieldSchema>;

/** Requires a field for every property of the config interface, and no others. */
export type FieldsOf<C> = { [K in keyof C]-?: FieldSchema };

// ---------------------------------------------------------------------------------------------
// Drafts: a config during Prepare, where any value may still be UNKNOWN (validate time).

export type Maybe<T> = T | Unknown;

export type DraftValue<V> = V extends readonly (infer E)[]
  ? Maybe<DraftValue<E>[]>
  : V extends object
    ? string extends keyof V
      ? Maybe<{ [key: string]: DraftValue<V[string]> }>
      : Maybe<Draft<V>>
    : Maybe<V>;

export type Draft<C> = { [K in keyof C]: DraftValue<C[K]> };

// ---------------------------------------------------------------------------------------------
// Prepare

export interface PrepareIssue {
  severity: 'error' | 'warning';
  /** Packer's message, verbatim. */
  message: string;
  /** The key at fault (a dotted path); the diagnostic points at its value. Absent: the whole block. */
  key?: string;
  /** A short summary; defaults to one derived from the key. */
  summary?: string;
}

export interface PrepareContext<C> {
  /** The decoded config; Prepare fills defaults in place, as Packer's Prepare does. */
  readonly draft: Draft<C>;
  readonly buildName: string;
  readonly host: TemplateHost;
  /** `-force`: an existing output directory is not an error. */
  readonly force: boolean;
  /** True when the author wrote the key (even as an empty value). */
  isSet(key: string): boolean;
  /** One of Packer's Prepare errors, verbatim. */
  error(message: string, key?: string, summary?: string): void;
  /** Packer's Prepare returning this one error on its own (not joined into `N error(s) occurred`). */
  fail(message: string, key?: string): void;
  /** One of Packer's Prepare warnings, verbatim. */
  warning(message: string, key?: string, summary?: string): void;
  /** Something Kiln says that Packer does not (a feature Kiln lacks, a check Packer makes later). */
  note(severity: 'error' | 'warning', message: string, key?: string, summary?: string): void;
  /** A number in [0, 1) (Math.random unless the caller fixed it). */
  random(): number;
  /** Go-template syntax check (interpolate.Validate): the parse error, or undefined when fine or unchecked. */
  checkTemplate(text: string): string | undefined;
}

export interface ComponentSchema<C = unknown> {
  kind: ComponentKind;
  type: string;
  /** Packer's plugin id for this component (`transcend.qemu`, `shell`, ...): selects deprecated keys. */
  pluginId: string;
  /** One line. */
  doc: string;
  /** Longer Markdown, shown in hover on the type label. */
  details?: string;
  fields: FieldsOf<C>;
  /** For data sources: the attributes the data source exposes (`data.http.x.body`). */
  outputs?: FieldMap;
  /** Packer's Prepare/Configure: defaults and validations, in Packer's order. */
  prepare(ctx: PrepareContext<C>): void;
  /** Text Packer puts before decode errors of this component (shell-local: `Error decoding config: `). */
  decodeErrorPrefix?: string;
}
