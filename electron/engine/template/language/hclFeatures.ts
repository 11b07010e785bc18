/**
 * Completion, hover, go-to-definition and document symbols for HCL2 templates, from the parser's tree of
 * the document being edited (the parser recovers, so a half-typed line still has a tree around it), the
 * pipeline model of the whole template (variables, locals and sources of every file), the component
 * schemas and the function list.
 */
import type { Block, Expression, ScopeTraversalExpr } from '../hcl/ast';
import { BUILD_KEYS } from '../hcl2/load';
import type { ComponentKind } from '../model';
import {
  componentDocMarkdown,
  documentedFields,
  fieldDocMarkdown,
  findField,
  getSchema,
  kilnTypes,
  typeLabel,
  type FieldSchema,
} from '../schema/index';
import type { FieldMap, FieldType } from '../schema/types';
import type { Range } from '../source';
import { BLOCK_DOCS, REFERENCE_ROOTS, TOP_LEVEL_BLOCKS, blockMarkdown } from './blocks';
import { literalValue, sourceAddress, type HclDocument } from './hclStructure';
import { allExpressions, attributeAt, blockHeaderAt, blocksAt, expressionsAt } from './hclWalk';
import type {
  CompletionItem,
  CompletionList,
  DefinitionTarget,
  DocumentSymbolInfo,
  FunctionInfo,
  HoverInfo,
  PipelineModel,
} from './types';

export interface HclLanguageEnv {
  /** Every template document of the workspace, parsed. */
  documents: readonly HclDocument[];
  pipeline: PipelineModel;
  functions: readonly FunctionInfo[];
}

interface ComponentAt {
  kind: ComponentKind;
  type: string;
  block: Block;
  /** Nested blocks inside the component down to the offset, e.g. `['qemu_img_args']`. */
  fieldPath: string[];
}

/** What component a block is, given its parent: `source` at the top, `provisioner` in a build, ... */
export function componentKindOf(
  block: Block,
  parent: Block | undefined,
): { kind: ComponentKind; type: string } | undefined {
  const label = block.labels[0]?.value;
  if (!label) return undefined;
  switch (block.type) {
    case 'source':
      if (!parent) return { kind: 'builder', type: label };
      if (parent.type === 'build')
        return { kind: 'builder', type: label.replace(/^source\./, '').split('.')[0] };
      return undefined;
    case 'provisioner':
    case 'error-cleanup-provisioner':
      return parent?.type === 'build' ? { kind: 'provisioner', type: label } : undefined;
    case 'post-processor':
      return parent?.type === 'build' || parent?.type === 'post-processors'
        ? { kind: 'post-processor', type: label }
        : undefined;
    case 'data':
      return parent ? undefined : { kind: 'data', type: label };
    default:
      return undefined;
  }
}

function componentAt(path: Block[]): ComponentAt | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const kt = componentKindOf(path[i], path[i - 1]);
    if (kt) return { ...kt, block: path[i], fieldPath: path.slice(i + 1).map((b) => b.type) };
  }
  return undefined;
}

/** The fields that apply inside a component at a nested path (its own keys plus meta-arguments at the top). */
function fieldsAt(component: ComponentAt): FieldMap | undefined {
  const schema = getSchema(component.kind, component.type);
  if (!schema) return undefined;
  if (component.fieldPath.length === 0) {
    return Object.fromEntries(documentedFields(schema).map((e) => [e.name, e.field]));
  }
  const field = findField(schema, component.fieldPath.join('.'));
  if (field?.type.kind === 'object' || field?.type.kind === 'blocks') return field.type.fields;
  return undefined;
}

function isBlockField(type: FieldType): boolean {
  return (type.kind === 'object' && type.hcl === 'block') || type.kind === 'blocks';
}

/** The snippet inserted for a key: `name = "$1"`, `name = [$1]`, `name {\n  $0\n}` ... */
function keySnippet(name: string, field: FieldSchema): string {
  if (isBlockField(field.type)) return `${name} {\n\t$0\n}`;
  if (field.allowed?.length) return `${name} = "\${1|${field.allowed.join(',')}|}"`;
  switch (field.type.kind) {
    case 'string':
    case 'duration':
      return `${name} = "$1"`;
    case 'bool':
      return `${name} = \${1|true,false|}`;
    case 'int':
    case 'float':
      return `${name} = $1`;
    case 'list':
      return `${name} = [$1]`;
    case 'map':
    case 'object':
      return `${name} = {\n\t$1\n}`;
    default:
      return `${name} = $1`;
  }
}

const word = /[A-Za-z0-9_-]*$/;

function lineBefore(text: string, offset: number): string {
  return text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset);
}

/** True when the offset is inside a quoted string (and not inside a `${ }` in it) on this line. */
function inString(before: string): boolean {
  let quoted = false;
  let depth = 0;
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"' && depth === 0) quoted = false;
      else if ((c === '$' || c === '%') && before[i + 1] === '{' && before[i - 1] !== c) {
        depth++;
        i++;
      } else if (c === '}' && depth > 0) depth--;
    } else if (c === '"') quoted = true;
    else if (c === '#' || (c === '/' && before[i + 1] === '/')) return false;
  }
  return quoted && depth === 0;
}

function labelTypes(blockType: string): { kind: ComponentKind; noun: string } | undefined {
  switch (blockType) {
    case 'source':
      return { kind: 'builder', noun: 'builder' };
    case 'provisioner':
    case 'error-cleanup-provisioner':
      return { kind: 'provisioner', noun: 'provisioner' };
    case 'post-processor':
      return { kind: 'post-processor', noun: 'post-processor' };
    case 'data':
      return { kind: 'data', noun: 'data source' };
    default:
      return undefined;
  }
}

function typeItems(kind: ComponentKind): CompletionItem[] {
  return kilnTypes(kind).map((type) => {
    const schema = getSchema(kind, type)!;
    return {
      label: type,
      kind: 'component-type',
      detail: schema.doc,
      documentation: componentDocMarkdown(schema),
      insertText: type,
    };
  });
}

function referenceItems(env: HclLanguageEnv, root: string): CompletionItem[] {
  if (root === 'var') {
    return env.pipeline.variables.map((v) => ({
      label: v.name,
      kind: 'variable',
      detail: `variable (${v.file}:${v.nameRange.start.line})`,
      documentation: variableMarkdown(env, v.name),
      insertText: v.name,
    }));
  }
  if (root === 'local') {
    return env.pipeline.locals.map((l) => ({
      label: l.name,
      kind: 'local',
      detail: `local (${l.file}:${l.nameRange.start.line})`,
      insertText: l.name,
    }));
  }
  if (root === 'path') return ['root', 'cwd'].map((n) => ({ label: n, kind: 'value', insertText: n }));
  if (root === 'source') return ['name', 'type'].map((n) => ({ label: n, kind: 'value', insertText: n }));
  if (root === 'packer') return [{ label: 'version', kind: 'value', insertText: 'version' }];
  if (root === 'build') {
    return ['name', ...BUILD_KEYS].map((n) => ({
      label: n,
      kind: 'value',
      insertText: n,
    }));
  }
  return [];
}

function expressionItems(env: HclLanguageEnv, field: FieldSchema | undefined): CompletionItem[] {
  const items: CompletionItem[] = [];
  if (field?.allowed) {
    for (const v of field.allowed)
      items.push({ label: `"${v}"`, kind: 'value', insertText: `"${v}"`, sortText: `0${v}` });
  }
  if (field?.type.kind === 'bool') {
    for (const v of ['true', 'false'])
      items.push({ label: v, kind: 'value', insertText: v, sortText: `0${v}` });
  }
  for (const [root, doc] of Object.entries(REFERENCE_ROOTS)) {
    items.push({ label: root, kind: 'keyword', documentation: doc, insertText: root, sortText: `1${root}` });
  }
  for (const f of env.functions) {
    items.push({
      label: f.name,
      kind: 'function',
      detail: f.signature,
      ...(f.doc ? { documentation: f.doc } : {}),
      insertText: `${f.name}($1)`,
      snippet: true,
      sortText: `2${f.name}`,
    });
  }
  for (const v of ['true', 'false', 'null']) {
    if (field?.type.kind !== 'bool' || v === 'null')
      items.push({ label: v, kind: 'keyword', insertText: v, sortText: `3${v}` });
  }
  return items;
}

export function hclComplete(doc: HclDocument, offset: number, env: HclLanguageEnv): CompletionList {
  const text = doc.text;
  const before = lineBefore(text, offset);
  const prefix = word.exec(before)![0];
  const from = offset - prefix.length;
  const list = (items: CompletionItem[]): CompletionList => ({ items, from, to: offset });
  const path = blocksAt(doc.ast.body, offset);
  const innermost = path[path.length - 1];

  // A block label: `source "qe|`, `provisioner "|`.
  const label = /^\s*([a-z-]+)\s+"([A-Za-z0-9_.-]*)$/.exec(before);
  if (label && !/=/.test(before)) {
    const types = labelTypes(label[1]);
    if (types) return list(typeItems(types.kind));
    if (label[1] === 'source' && innermost?.type === 'build') {
      return list(
        env.pipeline.sources.map((s) => ({
          label: s.address.slice('source.'.length),
          kind: 'source',
          insertText: s.address.slice('source.'.length),
        })),
      );
    }
  }

  // A reference: `var.na|`, `local.|`, `${source.|`.
  const ref = /(?:^|[^A-Za-z0-9_.-])([a-z]+)\.([A-Za-z0-9_-]*)$/.exec(before);
  if (ref && ref[1] in REFERENCE_ROOTS && !inString(before)) return list(referenceItems(env, ref[1]));

  const attribute = innermost ? attributeAt(innermost.body, offset) : attributeAt(doc.ast.body, offset);
  const keyPosition =
    /^\s*[A-Za-z0-9_-]*$/.test(before) && !(attribute && attribute.expr.range.start.offset < offset);

  if (keyPosition) {
    if (!innermost) {
      return list(
        TOP_LEVEL_BLOCKS.map((name) => {
          const d = BLOCK_DOCS.get(name)!;
          const labels = d.labels.map((l, i) => ` "\${${i + 1}:${l.replace(/ /g, '_')}}"`).join('');
          return {
            label: name,
            kind: 'block',
            documentation: blockMarkdown(d),
            insertText: `${name}${labels} {\n\t$0\n}`,
            snippet: true,
          };
        }),
      );
    }
    const component = componentAt(path);
    const present = new Set(innermost.body.attributes.map((a) => a.name));
    if (component) {
      const fields = fieldsAt(component) ?? {};
      return list(
        Object.entries(fields)
          .filter(([name, f]) => !f.undocumented && (!present.has(name) || isBlockField(f.type)))
          .map(([name, f]) => ({
            label: name,
            kind: isBlockField(f.type) ? 'block' : 'attribute',
            detail: `${typeLabel(f.type)}${f.required ? ' · required' : ''}${f.default ? ` · default ${f.default.text}` : ''}`,
            documentation: fieldDocMarkdown(name, f),
            insertText: keySnippet(name, f),
            snippet: true,
            sortText: `${f.required ? '0' : f.deprecated ? '2' : '1'}${name}`,
          })),
      );
    }
    const blockDoc = BLOCK_DOCS.get(innermost.type);
    if (blockDoc) {
      const items: CompletionItem[] = blockDoc.arguments
        .filter((a) => !present.has(a.name))
        .map((a) => ({
          label: a.name,
          kind: 'attribute',
          detail: a.type,
          documentation: a.doc,
          insertText: a.type === 'string' ? `${a.name} = "$1"` : `${a.name} = $1`,
          snippet: true,
        }));
      for (const name of blockDoc.blocks) {
        const d = BLOCK_DOCS.get(name);
        const labels = (d?.labels ?? []).map((l, i) => ` "\${${i + 1}:${l.replace(/ /g, '_')}}"`).join('');
        items.push({
          label: name,
          kind: 'block',
          ...(d ? { documentation: blockMarkdown(d) } : {}),
          insertText: `${name}${labels} {\n\t$0\n}`,
          snippet: true,
        });
      }
      return list(items);
    }
    return list([]);
  }

  // A value.
  const component = componentAt(path);
  const key = attribute?.name ?? /^\s*([A-Za-z0-9_-]+)\s*=/.exec(before)?.[1];
  const field = component && key ? (fieldsAt(component) ?? {})[key] : undefined;
  if (inString(before)) {
    if (innermost?.type === 'build' && key === 'sources') {
      return list(
        env.pipeline.sources.map((s) => ({ label: s.address, kind: 'source', insertText: s.address })),
      );
    }
    if (field?.allowed) return list(field.allowed.map((v) => ({ label: v, kind: 'value', insertText: v })));
    return list([]);
  }
  return list(expressionItems(env, field));
}

// ---------------------------------------------------------------------------------------------
// Hover and definitions

function variableBlock(env: HclLanguageEnv, name: string): { doc: HclDocument; block: Block } | undefined {
  for (const doc of env.documents) {
    const block = doc.ast.body.blocks.find((b) => b.type === 'variable' && b.labels[0]?.value === name);
    if (block) return { doc, block };
  }
  return undefined;
}

function variableMarkdown(env: HclLanguageEnv, name: string): string {
  const found = variableBlock(env, name);
  if (!found) return `**var.${name}**\n\nNo variable of this name is declared.`;
  const attr = (key: string) => found.block.body.attributes.find((a) => a.name === key);
  const src = (key: string) => {
    const a = attr(key);
    return a ? found.doc.text.slice(a.expr.range.start.offset, a.expr.range.end.offset) : undefined;
  };
  const description = attr('description')
    ? literalValue(attr('description')!.expr, found.doc.text)
    : undefined;
  const lines = [`**var.${name}**${src('type') ? ` \`${src('type')}\`` : ''}`];
  if (typeof description === 'string') lines.push('', description);
  const sensitive = attr('sensitive') && literalValue(attr('sensitive')!.expr, found.doc.text) === true;
  if (src('default') !== undefined)
    lines.push('', `Default: \`${sensitive ? '(sensitive)' : src('default')}\``);
  else lines.push('', 'Required: it has no default.');
  lines.push('', `Declared in ${found.doc.file}:${found.block.range.start.line}.`);
  return lines.join('\n');
}

function hoverRange(r: Range): { from: number; to: number } {
  return { from: r.start.offset, to: r.end.offset };
}

/** The reference under the offset: `var.x`, `local.y`, a function name. */
function referenceAt(doc: HclDocument, offset: number): ScopeTraversalExpr | Expression | undefined {
  for (const expr of allExpressionsAt(doc, offset)) {
    if (expr.kind === 'ScopeTraversal' || expr.kind === 'FunctionCall') return expr;
  }
  return undefined;
}

function* allExpressionsAt(doc: HclDocument, offset: number): Generator<Expression> {
  const path = blocksAt(doc.ast.body, offset);
  const body = path.length ? path[path.length - 1].body : doc.ast.body;
  const attribute = attributeAt(body, offset);
  if (!attribute) return;
  const chain = expressionsAt(attribute.expr, offset);
  for (let i = chain.length - 1; i >= 0; i--) yield chain[i];
}

export function hclHover(doc: HclDocument, offset: number, env: HclLanguageEnv): HoverInfo | null {
  const header = blockHeaderAt(doc.ast.body, offset);
  if (header) {
    const path = blocksAt(doc.ast.body, header.range.start.offset);
    const parent = path[path.length - 1];
    const kt = componentKindOf(header, parent);
    const onLabel =
      header.labels[0] &&
      header.labels[0].range.start.offset <= offset &&
      offset <= header.labels[0].range.end.offset;
    if (kt && onLabel) {
      const schema = getSchema(kt.kind, kt.type);
      return {
        markdown: schema
          ? componentDocMarkdown(schema)
          : `**${kt.type}**: Kiln has no ${kt.kind} of this type.`,
        ...hoverRange(header.labels[0].range),
      };
    }
    if (header.typeRange.start.offset <= offset && offset <= header.typeRange.end.offset) {
      const d = BLOCK_DOCS.get(header.type);
      if (d) return { markdown: blockMarkdown(d), ...hoverRange(header.typeRange) };
    }
    return null;
  }
  const path = blocksAt(doc.ast.body, offset);
  const innermost = path[path.length - 1];
  const body = innermost ? innermost.body : doc.ast.body;
  const attribute = attributeAt(body, offset);
  if (attribute && attribute.nameRange.start.offset <= offset && offset <= attribute.nameRange.end.offset) {
    const component = componentAt(path);
    if (component) {
      const field = (fieldsAt(component) ?? {})[attribute.name];
      return {
        markdown: field
          ? fieldDocMarkdown(attribute.name, field)
          : `**${attribute.name}**: not a key of the ${component.type} ${component.kind}.`,
        ...hoverRange(attribute.nameRange),
      };
    }
    const arg = innermost
      ? BLOCK_DOCS.get(innermost.type)?.arguments.find((a) => a.name === attribute.name)
      : undefined;
    if (arg)
      return {
        markdown: `**${arg.name}** \`${arg.type}\`\n\n${arg.doc}`,
        ...hoverRange(attribute.nameRange),
      };
    return null;
  }
  const ref = referenceAt(doc, offset);
  if (
    ref?.kind === 'FunctionCall' &&
    ref.nameRange.start.offset <= offset &&
    offset <= ref.nameRange.end.offset
  ) {
    const f = env.functions.find((fn) => fn.name === ref.name);
    return {
      markdown: f
        ? `\`${f.signature}\`${f.doc ? `\n\n${f.doc}` : ''}`
        : `**${ref.name}**: not a function Kiln knows.`,
      ...hoverRange(ref.nameRange),
    };
  }
  if (ref?.kind === 'ScopeTraversal') {
    const step = ref.steps[0];
    const name = step?.kind === 'Attr' ? step.name : undefined;
    const range = step
      ? { from: ref.rootRange.start.offset, to: step.range.end.offset }
      : hoverRange(ref.rootRange);
    if (ref.root === 'var' && name) return { markdown: variableMarkdown(env, name), ...range };
    if (ref.root === 'local' && name) {
      const local = env.pipeline.locals.find((l) => l.name === name);
      const d = local && env.documents.find((x) => x.file === local.file);
      const value = d ? d.text.slice(local!.range.start.offset, local!.range.end.offset) : undefined;
      return {
        markdown: local
          ? `**local.${name}**\n\n\`\`\`hcl\n${value}\n\`\`\``
          : `**local.${name}**\n\nNo local of this name is declared.`,
        ...range,
      };
    }
    if (ref.root in REFERENCE_ROOTS)
      return { markdown: `**${ref.root}**\n\n${REFERENCE_ROOTS[ref.root]}`, ...hoverRange(ref.rootRange) };
  }
  return null;
}

export function hclDefinition(doc: HclDocument, offset: number, env: HclLanguageEnv): DefinitionTarget[] {
  const at = (s: { file: string; nameRange: Range } | undefined): DefinitionTarget[] =>
    s ? [{ file: s.file, range: s.nameRange }] : [];
  const ref = referenceAt(doc, offset);
  if (ref?.kind === 'ScopeTraversal') {
    const name = ref.steps[0]?.kind === 'Attr' ? ref.steps[0].name : undefined;
    if (ref.root === 'var' && name) return at(env.pipeline.variables.find((v) => v.name === name));
    if (ref.root === 'local' && name) return at(env.pipeline.locals.find((l) => l.name === name));
    if (ref.root === 'source' && ref.steps.length >= 2) {
      const parts = ref.steps.map((s) => (s.kind === 'Attr' ? s.name : '')).slice(0, 2);
      const source = env.pipeline.sources.find((s) => s.address === `source.${parts.join('.')}`);
      return source ? [{ file: source.file, range: source.typeRange }] : [];
    }
  }
  // A source named in a build: `sources = ["source.qemu.x"]`, or `source "qemu.x" { }`.
  const path = blocksAt(doc.ast.body, offset);
  const build = path.find((b) => b.type === 'build');
  if (build) {
    const sourceRef = (value: string, range: Range) => {
      if (!(range.start.offset <= offset && offset <= range.end.offset)) return undefined;
      const address = sourceAddress(value);
      const source = env.pipeline.sources.find((s) => s.address === address);
      return source ? [{ file: source.file, range: source.typeRange }] : [];
    };
    for (const item of build.body.items) {
      if (item.kind === 'Attribute' && item.name === 'sources' && item.expr.kind === 'Tuple') {
        for (const el of item.expr.items) {
          const v = literalValue(el, doc.text);
          const hit = typeof v === 'string' ? sourceRef(v, el.range) : undefined;
          if (hit) return hit;
        }
      } else if (item.kind === 'Block' && item.type === 'source' && item.labels[0]) {
        const hit = sourceRef(item.labels[0].value, item.labels[0].range);
        if (hit) return hit;
      }
    }
  }
  return [];
}

/** How many places refer to each variable (unused variables are worth knowing about). */
export function variableReferences(docs: readonly HclDocument[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of docs) {
    for (const e of allExpressions(d.ast.body)) {
      if (e.kind === 'ScopeTraversal' && e.root === 'var' && e.steps[0]?.kind === 'Attr') {
        counts.set(e.steps[0].name, (counts.get(e.steps[0].name) ?? 0) + 1);
      }
    }
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Symbols

function blockSymbol(b: Block, parent: Block | undefined): DocumentSymbolInfo {
  const labels = b.labels.map((l) => l.value);
  const kind: DocumentSymbolInfo['kind'] =
    b.type === 'variable'
      ? 'variable'
      : b.type === 'local' || b.type === 'locals'
        ? 'local'
        : b.type === 'source' && !parent
          ? 'source'
          : b.type === 'build'
            ? 'build'
            : b.type === 'provisioner' || b.type === 'error-cleanup-provisioner'
              ? 'provisioner'
              : b.type.startsWith('post-processor')
                ? 'post-processor'
                : 'block';
  const children: DocumentSymbolInfo[] =
    b.type === 'locals'
      ? b.body.attributes.map((a) => ({
          name: a.name,
          detail: 'local',
          kind: 'local',
          range: a.range,
          selectionRange: a.nameRange,
          children: [],
        }))
      : b.body.blocks.map((c) => blockSymbol(c, b));
  return {
    name: labels.length ? `${b.type} ${labels.map((l) => `"${l}"`).join(' ')}` : b.type,
    detail: b.type === 'build' ? (b.body.attributes.find((a) => a.name === 'name') ? 'build' : '') : '',
    kind,
    range: b.range,
    selectionRange: b.labels[b.labels.length - 1]?.range ?? b.typeRange,
    children,
  };
}

export function hclSymbols(doc: HclDocument): DocumentSymbolInfo[] {
  return doc.ast.body.blocks.map((b) => blockSymbol(b, undefined));
}
