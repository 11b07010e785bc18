/**
 * What the language service and the forms need from the component schemas (`../schema/`): every key of a
 * component with its type, default, allowed values and docs. Declared structurally so the schema module's
 * own types satisfy it; `schemaSource.ts` adapts the schema registry to it.
 */
import type { ComponentKind } from '../model';

export type FieldTypeInfo =
  | { kind: 'string' | 'bool' | 'int' | 'float' | 'duration' }
  | { kind: 'list' | 'map'; of: FieldTypeInfo }
  | { kind: 'object'; fields: Record<string, FieldInfo>; hcl: 'block' | 'attribute' }
  | { kind: 'blocks'; fields: Record<string, FieldInfo> };

export interface FieldInfo {
  type: FieldTypeInfo;
  doc: string;
  details?: string;
  default?: { value?: unknown; text: string };
  allowed?: readonly string[];
  required?: boolean | string;
  deprecated?: { message: string; replacement?: string };
  undocumented?: boolean;
  sensitive?: boolean;
  kiln?: string;
  since?: string;
}

export interface ComponentInfo {
  kind: ComponentKind;
  type: string;
  doc: string;
  details?: string;
  fields: Record<string, FieldInfo>;
}

export interface SchemaLookup {
  component(kind: ComponentKind, type: string): ComponentInfo | undefined;
  /** The component types Kiln knows for a kind, sorted. */
  types(kind: ComponentKind): string[];
  /** Keys every component of a kind accepts (only/except, pause_before, ...). */
  meta(kind: ComponentKind): Record<string, FieldInfo>;
}

/** `list(string)`, `map(string)`, `duration`, `block`: how a type reads in a completion list or hover. */
export function typeLabel(type: FieldTypeInfo): string {
  switch (type.kind) {
    case 'list':
    case 'map':
      return `${type.kind}(${typeLabel(type.of)})`;
    case 'object':
      return type.hcl === 'block' ? 'block' : 'object';
    case 'blocks':
      return 'blocks';
    default:
      return type.kind;
  }
}

/** The Markdown a hover or completion shows for a key. */
export function fieldMarkdown(name: string, field: FieldInfo): string {
  const lines = [`**${name}** \`${typeLabel(field.type)}\``];
  if (field.required)
    lines.push(typeof field.required === 'string' ? `Required: ${field.required}` : 'Required.');
  if (field.deprecated) lines.push(`**Deprecated:** ${field.deprecated.message}`);
  lines.push('', field.doc);
  if (field.details) lines.push('', field.details);
  if (field.default) lines.push('', `Default: \`${field.default.text}\``);
  if (field.allowed?.length) lines.push('', `Allowed: ${field.allowed.map((a) => `\`${a}\``).join(', ')}`);
  if (field.since) lines.push('', `Since ${field.since}.`);
  if (field.kiln) lines.push('', `_Kiln:_ ${field.kiln}`);
  return lines.join('\n');
}
