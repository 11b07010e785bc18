/**
 * The schema of every component Kiln builds with: field docs and types for the editor, the decoder that
 * turns a component's raw config into a typed config with Packer's messages, and the catalogue of Packer
 * components Kiln does not have. See docs/schemas.md.
 */
import type { LocatedConfig } from '../config';
import type { ComponentKind } from '../model';
import { error } from '../source';
import { decodeWithSchema, type DecodeOptions, type DecodeResult } from './decode';
import { lookupComponent, type ConfigFor } from './registry';

export type { DecodeOptions, DecodeResult, RenderFn, RenderOutcome } from './decode';
export { decodeWithSchema, metaKeys, zeroValue } from './decode';
export { parseTunnelArgument, unsupportedSshKeys, type TunnelArgument } from './common/communicator';
export type { ConfigFix } from './deprecated';
export type {
  ComponentSchema,
  Draft,
  DraftValue,
  FieldDefault,
  FieldDeprecation,
  FieldMap,
  FieldSchema,
  FieldsOf,
  FieldType,
  Maybe,
  PrepareContext,
} from './types';
export {
  KILN_COMPONENTS,
  availableSentence,
  getSchema,
  kilnTypes,
  lookupComponent,
  type ComponentConfigMap,
  type ComponentLookup,
  type ConfigFor,
  type LookupOptions,
  type TypedConfig,
} from './registry';
export {
  KNOWN_PLUGINS,
  PACKER_CORE,
  catalogueTypes,
  findPluginBySource,
  findPluginOf,
  type KnownPlugin,
} from './catalogue';
export { META_FIELDS, POST_PROCESSOR_META_FIELDS, PROVISIONER_META_FIELDS } from './meta';
export { componentDocMarkdown, documentedFields, fieldDocMarkdown, findField, type FieldEntry } from './docs';
export { friendlyTypeName, typeLabel } from './fields';
export {
  formatGoDuration,
  formatGoDurationNs,
  nameSuggestion,
  parseGoDuration,
  parseGoDurationNs,
  levenshtein,
} from './go';
export {
  SPECIAL_KEYS,
  bootCommandErrors,
  parseBootCommand,
  type BootStep,
  type KeyAction,
  type ParsedBootCommand,
} from './bootcommand';
export { parseChecksum } from './common/iso';
export { detectCompression } from './components/pp-compress';

// Typed configs.
export type { BootConfig, ShutdownConfig } from './common/boot';
export type {
  CommunicatorConfig,
  SSHCommunicatorConfig,
  WinRMCommunicatorConfig,
} from './common/communicator';
export type { HttpConfig } from './common/http';
export type { IsoConfig } from './common/iso';
export type { CdConfig, FloppyConfig } from './common/media';
export type { ShellCommonConfig } from './common/shell';
export type { ShellLocalConfig } from './common/shell-local';
export type { QemuBuilderConfig, QemuImgArgs } from './components/builder-qemu';
export type { NullBuilderConfig } from './components/builder-null';
export type { FileBuilderConfig } from './components/builder-file';
export type { ShellProvisionerConfig } from './components/provisioner-shell';
export type { FileProvisionerConfig } from './components/provisioner-file';
export type { ShellLocalProvisionerConfig } from './components/provisioner-shell-local';
export type { BreakpointConfig } from './components/provisioner-breakpoint';
export type { CompressConfig } from './components/pp-compress';
export type { ChecksumConfig } from './components/pp-checksum';
export type { ManifestConfig } from './components/pp-manifest';
export type { ShellLocalPostProcessorConfig } from './components/pp-shell-local';
export type { ArtificeConfig } from './components/pp-artifice';
export type { MaasImageConfig } from './components/pp-maas-image';
export type { MaasUploadConfig } from './components/pp-maas-upload';
export type { HttpDataSourceConfig } from './components/data-http';

/**
 * Decodes one component's raw config: looks its type up (a Kiln component, a known plugin's component
 * Kiln lacks, or unknown), then renders, decodes and prepares it as Packer would.
 */
export function decodeComponent<K extends ComponentKind, T extends string>(
  kind: K,
  type: T,
  located: LocatedConfig,
  options: DecodeOptions,
): DecodeResult<ConfigFor<K, T>> {
  const found = lookupComponent(kind, type, { dialect: options.dialect });
  if (found.status !== 'kiln') {
    return {
      diagnostics: [error(found.summary, found.detail, located.ranges.block)],
      stage: 'lookup',
      fixes: [],
      packerError: found.detail,
      packerWarnings: [],
    };
  }
  return decodeWithSchema(found.schema, located, options) as DecodeResult<ConfigFor<K, T>>;
}
