/**
 * The components Kiln can build with (one file each under components/, listed once here) and the lookup
 * that tells a Kiln component from a known Packer plugin component Kiln lacks, or an unknown type.
 *
 * To add a component: write `components/<kind>-<type>.ts` exporting its ComponentSchema and config
 * interface, add it to KILN_COMPONENTS and to ComponentConfigMap below, and export the interface from
 * index.ts.
 */
import type { ComponentKind } from '../model';
import { catalogueTypes, findPluginOf, type KnownPlugin } from './catalogue';
import { fileBuilder, type FileBuilderConfig } from './components/builder-file';
import { nullBuilder, type NullBuilderConfig } from './components/builder-null';
import { qemuBuilder, type QemuBuilderConfig } from './components/builder-qemu';
import { httpDataSource, type HttpDataSourceConfig } from './components/data-http';
import { artificePostProcessor, type ArtificeConfig } from './components/pp-artifice';
import { checksumPostProcessor, type ChecksumConfig } from './components/pp-checksum';
import { compressPostProcessor, type CompressConfig } from './components/pp-compress';
import { manifestPostProcessor, type ManifestConfig } from './components/pp-manifest';
import { shellLocalPostProcessor, type ShellLocalPostProcessorConfig } from './components/pp-shell-local';
import { breakpointProvisioner, type BreakpointConfig } from './components/provisioner-breakpoint';
import { fileProvisioner, type FileProvisionerConfig } from './components/provisioner-file';
import { shellProvisioner, type ShellProvisionerConfig } from './components/provisioner-shell';
import {
  shellLocalProvisioner,
  type ShellLocalProvisionerConfig,
} from './components/provisioner-shell-local';
import { nameSuggestion } from './go';
import type { ComponentSchema } from './types';

/** Every component Kiln has, in the order lists and messages name them. */
export const KILN_COMPONENTS: readonly ComponentSchema<unknown>[] = [
  qemuBuilder,
  nullBuilder,
  fileBuilder,
  shellProvisioner,
  fileProvisioner,
  shellLocalProvisioner,
  breakpointProvisioner,
  compressPostProcessor,
  checksumPostProcessor,
  manifestPostProcessor,
  shellLocalPostProcessor,
  artificePostProcessor,
  httpDataSource,
];

/** The typed config of each Kiln component, keyed `<kind>:<type>`. */
export interface ComponentConfigMap {
  'builder:qemu': QemuBuilderConfig;
  'builder:null': NullBuilderConfig;
  'builder:file': FileBuilderConfig;
  'provisioner:shell': ShellProvisionerConfig;
  'provisioner:file': FileProvisionerConfig;
  'provisioner:shell-local': ShellLocalProvisionerConfig;
  'provisioner:breakpoint': BreakpointConfig;
  'post-processor:compress': CompressConfig;
  'post-processor:checksum': ChecksumConfig;
  'post-processor:manifest': ManifestConfig;
  'post-processor:shell-local': ShellLocalPostProcessorConfig;
  'post-processor:artifice': ArtificeConfig;
  'data:http': HttpDataSourceConfig;
}

/** Any Kiln component's typed config. */
export type TypedConfig = ComponentConfigMap[keyof ComponentConfigMap];

/** The typed config for a kind and type: exact for Kiln's components, TypedConfig otherwise. */
export type ConfigFor<
  K extends ComponentKind,
  T extends string,
> = `${K}:${T}` extends keyof ComponentConfigMap ? ComponentConfigMap[`${K}:${T}`] : TypedConfig;

export type ComponentLookup =
  | { status: 'kiln'; schema: ComponentSchema<unknown> }
  /** A real Packer component from a plugin (or Packer core) that Kiln cannot run. */
  | { status: 'plugin'; plugin: KnownPlugin; summary: string; detail: string }
  /** Nothing Kiln or its catalogue knows; `suggestion` is a close name when there is one. */
  | { status: 'unknown'; suggestion?: string; summary: string; detail: string; packer166: string };

export interface LookupOptions {
  /** Wording of the HCL2 (`Unknown source type x`) or JSON (`Unknown builder type "x"`) summary. */
  dialect?: 'json' | 'hcl';
}

const NOUN: Record<ComponentKind, string> = {
  builder: 'builder',
  provisioner: 'provisioner',
  'post-processor': 'post-processor',
  data: 'data source',
};

/** The Kiln schema for a kind and type, if Kiln has it. */
export function getSchema(kind: ComponentKind, type: string): ComponentSchema<unknown> | undefined {
  return KILN_COMPONENTS.find((c) => c.kind === kind && c.type === type);
}

/** The types Kiln has for a kind, in registry order. */
export function kilnTypes(kind: ComponentKind): string[] {
  return KILN_COMPONENTS.filter((c) => c.kind === kind).map((c) => c.type);
}

/** `a, b and c` */
function englishList(items: string[]): string {
  return items.length <= 1
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** What Kiln can offer instead, e.g. `Only qemu, null and file builders are buildable.` */
export function availableSentence(kind: ComponentKind): string {
  const types = kilnTypes(kind);
  const noun = NOUN[kind] + (types.length === 1 ? '' : 's');
  if (kind === 'builder') return `Only ${englishList(types)} ${noun} are buildable.`;
  if (kind === 'data')
    return `Only the ${englishList(types)} ${noun} ${types.length === 1 ? 'is' : 'are'} available.`;
  return `Only ${englishList(types)} ${noun} are available.`;
}

/**
 * Finds a component type: Kiln's own schema, a known Packer component Kiln cannot run (naming its plugin),
 * or an unknown type with Packer's wording and a close name when there is one.
 */
export function lookupComponent(
  kind: ComponentKind,
  type: string,
  options: LookupOptions = {},
): ComponentLookup {
  const schema = getSchema(kind, type);
  if (schema) return { status: 'kiln', schema };
  const noun = NOUN[kind];
  const verb = kind === 'builder' ? 'build' : kind === 'data' ? 'evaluate' : 'run';
  const plugin = findPluginOf(kind, type);
  if (plugin) {
    const owner =
      plugin.source === '' ? 'is built into Packer, not into Kiln' : `belongs to the ${plugin.name} plugin`;
    return {
      status: 'plugin',
      plugin,
      summary: `Unsupported ${noun} type ${JSON.stringify(type)}`,
      detail: `The ${noun} ${JSON.stringify(type)} ${owner}; Kiln cannot ${verb} it. ${availableSentence(kind)}`,
    };
  }
  const own = kilnTypes(kind).sort();
  const suggestion = nameSuggestion(type, own) ?? nameSuggestion(type, catalogueTypes(kind).sort());
  const label = kind === 'builder' && options.dialect === 'hcl' ? 'source' : kind === 'data' ? 'data' : noun;
  const summary =
    options.dialect === 'hcl'
      ? kind === 'builder' || kind === 'data'
        ? `Unknown ${label} type ${type}`
        : `Unknown ${label} type ${JSON.stringify(type)}`
      : `Unknown ${noun} type ${JSON.stringify(type)}`;
  let detail: string;
  if (suggestion !== undefined) {
    detail = `Did you mean to use ${JSON.stringify(suggestion)}?`;
    const owner = findPluginOf(kind, suggestion);
    if (owner)
      detail += ` (It belongs to the ${owner.source === '' ? 'Packer core' : `${owner.name} plugin`}, which Kiln cannot ${verb}.)`;
  } else if (kind === 'data') {
    detail = `known data sources: [${own.join(' ')}]`;
  } else {
    detail =
      `The ${label} ${type} is unknown by Packer, and is likely part of a plugin that is not installed.\n` +
      'You may find the needed plugin along with installation instructions documented on the Packer integrations page.\n\n' +
      `https://developer.hashicorp.com/packer/integrations?filter=${type.split('-')[0]}`;
  }
  const packer166 = `error initializing ${noun} '${type}': Unknown ${noun} ${type}`;
  return suggestion !== undefined
    ? { status: 'unknown', suggestion, summary, detail, packer166 }
    : { status: 'unknown', summary, detail, packer166 };
}
