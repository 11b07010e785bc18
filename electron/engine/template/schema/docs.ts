/** What the editor shows for a key: the fields to complete and the hover text of one field. */
import type { ComponentKind } from '../model';
import { formatGoDuration } from './go';
import { typeLabel } from './fields';
import { META_FIELDS } from './meta';
import type { ComponentSchema, FieldMap, FieldSchema } from './types';

export interface FieldEntry {
  name: string;
  field: FieldSchema;
  /** True for a provisioner/post-processor meta-argument (only, except, pause_before, ...). */
  meta: boolean;
}

/** The keys to offer in completion for a component (documented ones, then its meta-arguments). */
export function documentedFields(schema: ComponentSchema<unknown>): FieldEntry[] {
  const own = Object.entries(schema.fields as FieldMap)
    .filter(([, field]) => !field.undocumented)
    .map(([name, field]) => ({ name, field, meta: false }));
  const meta = Object.entries(META_FIELDS[schema.kind as ComponentKind] ?? {})
    .filter(([name]) => !(name in (schema.fields as FieldMap)))
    .map(([name, field]) => ({ name, field, meta: true }));
  return [...own, ...meta];
}

/** The field at a dotted path (`qemu_img_args.create`, `http_content./ks.cfg`), meta-arguments included. */
export function findField(schema: ComponentSchema<unknown>, path: string): FieldSchema | undefined {
  const [first, ...rest] = path.split('.');
  let field: FieldSchema | undefined =
    (schema.fields as FieldMap)[first] ?? META_FIELDS[schema.kind]?.[first];
  for (const part of rest) {
    if (!field) return undefined;
    const type: FieldSchema['type'] = field.type;
    if (type.kind === 'object' || type.kind === 'blocks') field = type.fields[part];
    else if (type.kind === 'list' || type.kind === 'map') return field;
    else return undefined;
  }
  return field;
}

function formatDefault(field: FieldSchema): string | undefined {
  const d = field.default;
  if (!d) return undefined;
  if (field.type.kind === 'duration' && typeof d.value === 'number' && d.text === formatGoDuration(d.value))
    return d.text;
  return d.text;
}

/** Hover Markdown for one key. */
export function fieldDocMarkdown(name: string, field: FieldSchema): string {
  const lines = [`**${name}** \`${typeLabel(field.type)}\``, '', field.doc];
  if (field.details) lines.push('', field.details);
  const facts: string[] = [];
  const def = formatDefault(field);
  if (def !== undefined) facts.push(`Default: \`${def}\``);
  if (field.allowed) facts.push(`Allowed: ${field.allowed.map((v) => `\`${v}\``).join(', ')}`);
  if (field.required === true) facts.push('Required');
  else if (typeof field.required === 'string') facts.push(`Required ${field.required}`);
  if (field.interpolate === false)
    facts.push('Not rendered at validate time (`{{ }}` is filled in when it runs)');
  if (field.since) facts.push(`Since ${field.since}`);
  if (facts.length) lines.push('', facts.join(' · '));
  if (field.deprecated) {
    lines.push('', `**Deprecated.** ${field.deprecated.message}`);
    if (field.deprecated.replacement) lines.push(`Use \`${field.deprecated.replacement}\` instead.`);
  }
  if (field.kiln) lines.push('', `**Kiln:** ${field.kiln}`);
  return lines.join('\n');
}

/** Hover Markdown for a component's type label. */
export function componentDocMarkdown(schema: ComponentSchema<unknown>): string {
  const noun = schema.kind === 'data' ? 'data source' : schema.kind;
  const lines = [`**${schema.type}** ${noun}`, '', schema.doc];
  if (schema.details) lines.push('', schema.details);
  return lines.join('\n');
}
