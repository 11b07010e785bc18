/**
 * Completion, hover, go-to-definition and symbols for Packer JSON templates, from jsonc-parser's view of
 * where the cursor is (the property path, key or value) and the component schemas.
 */
import { findNodeAtLocation, getLocation, type Node } from 'jsonc-parser';
import type { ComponentKind } from '../model';
import {
  componentDocMarkdown,
  documentedFields,
  fieldDocMarkdown,
  findField,
  getSchema,
  kilnTypes,
  typeLabel,
} from '../schema/index';
import { SourceText } from '../source';
import { parseJson, property } from './jsonStructure';
import type {
  CompletionItem,
  CompletionList,
  DefinitionTarget,
  DocumentSymbolInfo,
  HoverInfo,
} from './types';

const TOP_LEVEL: Record<string, string> = {
  builders: 'The builders: each one makes a machine image (`type` names the builder).',
  provisioners: 'Steps run in each machine after it boots, in order.',
  'post-processors': 'Steps applied to the artifacts: a type, an object, or a list of them (a chain).',
  variables: 'User variables, read as `{{user `name`}}`.',
  'sensitive-variables': 'Names of variables whose values never appear in logs.',
  description: 'What the template builds.',
  min_packer_version: 'The oldest Packer version that can run this template.',
  'error-cleanup-provisioner': 'A provisioner that runs only when the build fails.',
};

const LIST_KIND: Record<string, ComponentKind> = {
  builders: 'builder',
  provisioners: 'provisioner',
  'post-processors': 'post-processor',
  'error-cleanup-provisioner': 'provisioner',
};

/** The component object a JSON path is in: its kind, the object node, and the keys below it. */
function componentAt(root: Node | undefined, path: (string | number)[]) {
  const list = path[0];
  if (typeof list !== 'string' || !(list in LIST_KIND)) return undefined;
  const kind = LIST_KIND[list];
  let depth = list === 'error-cleanup-provisioner' ? 1 : 2;
  // A post-processor chain is one level deeper.
  if (list === 'post-processors' && typeof path[2] === 'number') depth = 3;
  const objectPath = path.slice(0, depth);
  const node = root ? findNodeAtLocation(root, objectPath) : undefined;
  if (node?.type !== 'object') return undefined;
  const typeNode = property(node, 'type');
  const type = typeof typeNode?.value === 'string' ? typeNode.value : undefined;
  return { kind, node, type, rest: path.slice(depth) };
}

function wordAt(text: string, offset: number): { from: number; to: number } {
  let from = offset;
  let to = offset;
  while (from > 0 && /[A-Za-z0-9_.-]/.test(text[from - 1])) from--;
  while (to < text.length && /[A-Za-z0-9_.-]/.test(text[to])) to++;
  return { from, to };
}

function jsonLiteral(value: unknown): string {
  return JSON.stringify(value);
}

export function jsonComplete(text: string, offset: number): CompletionList {
  const root = parseJson(text);
  const location = getLocation(text, offset);
  const { from } = wordAt(text, offset);
  const list = (items: CompletionItem[]): CompletionList => ({ items, from, to: offset });
  const path = location.path;
  if (location.isAtPropertyKey) {
    if (path.length <= 1) {
      return list(
        Object.entries(TOP_LEVEL).map(([k, doc]) => ({
          label: k,
          kind: 'attribute',
          documentation: doc,
          insertText: k,
        })),
      );
    }
    const component = componentAt(root, path);
    if (!component) return list([]);
    if (component.rest.length <= 1) {
      if (!component.type)
        return list([
          { label: 'type', kind: 'attribute', documentation: 'The component type.', insertText: 'type' },
        ]);
      const schema = getSchema(component.kind, component.type);
      if (!schema) return list([]);
      const present = new Set((component.node.children ?? []).map((p) => p.children?.[0]?.value as string));
      return list(
        documentedFields(schema)
          .filter((e) => !present.has(e.name) || component.rest[0] === e.name)
          .map((e) => ({
            label: e.name,
            kind: 'attribute',
            detail: `${typeLabel(e.field.type)}${e.field.required ? ' · required' : ''}${e.field.default ? ` · default ${e.field.default.text}` : ''}`,
            documentation: fieldDocMarkdown(e.name, e.field),
            insertText: e.name,
            sortText: `${e.field.required ? '0' : '1'}${e.name}`,
          })),
      );
    }
    return list([]);
  }
  // A value.
  const component = componentAt(root, path);
  if (component && component.rest.length === 1) {
    const key = component.rest[0];
    if (key === 'type') {
      return list(
        kilnTypes(component.kind).map((t) => ({
          label: t,
          kind: 'component-type',
          detail: getSchema(component.kind, t)?.doc,
          insertText: t,
        })),
      );
    }
    const schema = component.type ? getSchema(component.kind, component.type) : undefined;
    const field = schema && typeof key === 'string' ? findField(schema, key) : undefined;
    if (field?.allowed) return list(field.allowed.map((v) => ({ label: v, kind: 'value', insertText: v })));
    if (field?.type.kind === 'bool')
      return list(['true', 'false'].map((v) => ({ label: v, kind: 'value', insertText: v })));
    if (
      field?.default?.value !== undefined &&
      field.default.value !== null &&
      typeof field.default.value !== 'object'
    ) {
      const v = field.default.value;
      return list([
        {
          label: jsonLiteral(v),
          kind: 'value',
          detail: 'default',
          insertText: typeof v === 'string' ? v : jsonLiteral(v),
        },
      ]);
    }
  }
  // `{{user `na|` inside a string: the variable names.
  const before = text.slice(text.lastIndexOf('"', offset - 1) + 1, offset);
  if (/\{\{\s*user\s+`[A-Za-z0-9_-]*$/.test(before)) {
    const vars = property(root, 'variables');
    return list(
      (vars?.children ?? []).map((p) => {
        const name = String(p.children?.[0]?.value ?? '');
        return { label: name, kind: 'variable' as const, insertText: name };
      }),
    );
  }
  return list([]);
}

export function jsonHover(text: string, offset: number): HoverInfo | null {
  const root = parseJson(text);
  const location = getLocation(text, offset);
  const node = location.previousNode;
  if (!node) return null;
  const range = { from: node.offset, to: node.offset + node.length };
  const path = location.path;
  if (
    location.isAtPropertyKey ||
    (node.type === 'string' && node.parent?.type === 'property' && node.parent.children?.[0] === node)
  ) {
    const key = path[path.length - 1];
    if (path.length === 1 && typeof key === 'string' && TOP_LEVEL[key])
      return { markdown: `**${key}**\n\n${TOP_LEVEL[key]}`, ...range };
    const component = componentAt(root, path);
    if (component?.type && typeof key === 'string') {
      const schema = getSchema(component.kind, component.type);
      const field = schema
        ? findField(schema, component.rest.filter((p) => typeof p === 'string').join('.'))
        : undefined;
      if (field) return { markdown: fieldDocMarkdown(key, field), ...range };
      if (schema)
        return { markdown: `**${key}**: not a key of the ${component.type} ${component.kind}.`, ...range };
    }
    return null;
  }
  const component = componentAt(root, path);
  if (component?.type && component.rest.length === 1 && component.rest[0] === 'type') {
    const schema = getSchema(component.kind, component.type);
    return {
      markdown: schema
        ? componentDocMarkdown(schema)
        : `**${component.type}**: Kiln has no ${component.kind} of this type.`,
      ...range,
    };
  }
  return null;
}

export function jsonDefinition(file: string, text: string, offset: number): DefinitionTarget[] {
  const root = parseJson(text);
  const start = text.lastIndexOf('{{', offset);
  const end = text.indexOf('}}', offset);
  if (start < 0 || end < 0 || text.slice(start, offset).includes('}}')) return [];
  const m = /^\{\{\s*user\s+`([^`]+)`\s*\}\}$/.exec(text.slice(start, end + 2));
  if (!m) return [];
  const vars = property(root, 'variables');
  const prop = vars?.children?.find((p) => p.children?.[0]?.value === m[1]);
  const key = prop?.children?.[0];
  if (!key) return [];
  return [{ file, range: new SourceText(file, text).range(key.offset, key.offset + key.length) }];
}

export function jsonSymbols(file: string, text: string): DocumentSymbolInfo[] {
  const root = parseJson(text);
  if (root?.type !== 'object') return [];
  const src = new SourceText(file, text);
  const range = (n: Node) => src.range(n.offset, n.offset + n.length);
  return (root.children ?? []).flatMap((p) => {
    const [k, v] = p.children ?? [];
    if (!k || !v) return [];
    const name = String(k.value);
    const kind = LIST_KIND[name];
    const children: DocumentSymbolInfo[] =
      v.type === 'array' && kind
        ? (v.children ?? []).map((el, i) => {
            const type =
              el.type === 'object' ? property(el, 'type')?.value : el.type === 'string' ? el.value : 'chain';
            return {
              name: `${name}[${i}]`,
              detail: String(type ?? ''),
              kind: kind === 'builder' ? 'source' : (kind as DocumentSymbolInfo['kind']),
              range: range(el),
              selectionRange: range(el),
              children: [],
            };
          })
        : name === 'variables' && v.type === 'object'
          ? (v.children ?? []).map((vp) => ({
              name: String(vp.children?.[0]?.value ?? ''),
              detail: 'variable',
              kind: 'variable' as const,
              range: range(vp),
              selectionRange: range(vp.children![0]),
              children: [],
            }))
          : [];
    return [
      { name, detail: '', kind: 'block' as const, range: range(p), selectionRange: range(k), children },
    ];
  });
}
