/**
 * The pipeline of a Packer JSON template, read from its syntax tree (jsonc-parser keeps every node's
 * offset), so the visual editor can show and edit it while it has errors elsewhere.
 */
import { parseTree, type Node } from 'jsonc-parser';
import { SourceText, type Range } from '../source';
import type {
  LiteralValue,
  PipelineAttribute,
  PipelineBlock,
  PipelineBlockRole,
  PipelineBuild,
  PipelineChain,
  PipelineModel,
  SymbolInfo,
} from './types';

export function parseJson(text: string): Node | undefined {
  return parseTree(text, [], { allowTrailingComma: false, disallowComments: false }) ?? undefined;
}

export function property(node: Node | undefined, key: string): Node | undefined {
  if (node?.type !== 'object') return undefined;
  for (const p of node.children ?? []) {
    if (p.children?.[0]?.value === key) return p.children[1];
  }
  return undefined;
}

function literalOf(node: Node): LiteralValue | undefined {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return node.value as LiteralValue;
    case 'array': {
      const out: LiteralValue[] = [];
      for (const c of node.children ?? []) {
        const v = literalOf(c);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case 'object': {
      const out: { [key: string]: LiteralValue } = {};
      for (const p of node.children ?? []) {
        const [k, v] = p.children ?? [];
        const value = v ? literalOf(v) : undefined;
        if (!k || value === undefined) return undefined;
        out[String(k.value)] = value;
      }
      return out;
    }
    default:
      return undefined;
  }
}

function block(
  src: SourceText,
  node: Node,
  address: string,
  role: PipelineBlockRole,
  kind: PipelineBlock['kind'],
): PipelineBlock | undefined {
  const range = (n: Node) => src.range(n.offset, n.offset + n.length);
  if (node.type === 'string') {
    // A post-processor written as just its type: "compress".
    return {
      address,
      role,
      kind,
      type: String(node.value),
      file: src.file,
      range: range(node),
      typeRange: range(node),
      attributes: [],
      nested: [],
      disabled: false,
    };
  }
  if (node.type !== 'object') return undefined;
  const typeNode = property(node, 'type');
  const attributes: PipelineAttribute[] = [];
  const nested: { name: string; range: Range }[] = [];
  for (const p of node.children ?? []) {
    const [k, v] = p.children ?? [];
    if (!k || !v) continue;
    const key = String(k.value);
    if (key === 'type') continue;
    const literal = literalOf(v);
    attributes.push({
      key,
      keyRange: range(k),
      valueRange: range(v),
      text: src.text.slice(v.offset, v.offset + v.length),
      ...(literal !== undefined ? { literal } : {}),
    });
    if (v.type === 'object') nested.push({ name: key, range: range(v) });
  }
  const nameNode = property(node, 'name');
  const disable = property(node, 'disable');
  const type = typeNode?.type === 'string' ? String(typeNode.value) : '';
  return {
    address,
    role,
    kind,
    type,
    ...(nameNode?.type === 'string'
      ? { name: String(nameNode.value) }
      : role === 'source' && type
        ? { name: type }
        : {}),
    file: src.file,
    range: range(node),
    typeRange: typeNode ? range(typeNode) : range(node),
    attributes,
    nested,
    disabled: type === 'breakpoint' && disable?.value === true,
  };
}

/** The pipeline model of one JSON template file. */
export function jsonPipeline(
  file: string,
  text: string,
  root: Node | undefined = parseJson(text),
): PipelineModel {
  const src = new SourceText(file, text);
  const range = (n: Node) => src.range(n.offset, n.offset + n.length);
  const sources: PipelineBlock[] = [];
  const builders = property(root, 'builders');
  (builders?.children ?? []).forEach((b, i) => {
    const blk = block(src, b, `builders[${i}]`, 'source', 'builder');
    if (blk) sources.push(blk);
  });
  const provisioners: PipelineBlock[] = [];
  (property(root, 'provisioners')?.children ?? []).forEach((p, i) => {
    const blk = block(src, p, `provisioners[${i}]`, 'provisioner', 'provisioner');
    if (blk) provisioners.push(blk);
  });
  const postProcessors: PipelineChain[] = [];
  (property(root, 'post-processors')?.children ?? []).forEach((pp, i) => {
    const chain = pp.type === 'array';
    const steps = (chain ? (pp.children ?? []) : [pp])
      .map((s, j) => block(src, s, `post-processors[${i}][${j}]`, 'post-processor', 'post-processor'))
      .filter((s): s is PipelineBlock => s !== undefined);
    postProcessors.push({ address: `post-processors[${i}]`, chain, range: range(pp), steps });
  });
  const cleanupNode = property(root, 'error-cleanup-provisioner');
  const errorCleanupProvisioner = cleanupNode
    ? block(src, cleanupNode, 'error-cleanup-provisioner', 'error-cleanup-provisioner', 'provisioner')
    : undefined;
  const build: PipelineBuild = {
    address: 'build',
    file,
    ...(root ? { range: range(root) } : {}),
    sources: sources.map((s) => ({ ref: s.name ?? s.type, target: s.address, range: s.range })),
    provisioners,
    ...(errorCleanupProvisioner ? { errorCleanupProvisioner } : {}),
    postProcessors,
  };
  const variables: SymbolInfo[] = [];
  const vars = property(root, 'variables');
  for (const p of vars?.children ?? []) {
    const [k, v] = p.children ?? [];
    if (k && v) variables.push({ name: String(k.value), file, range: range(p), nameRange: range(k) });
  }
  return { format: 'json', sources, builds: root ? [build] : [], variables, locals: [] };
}
