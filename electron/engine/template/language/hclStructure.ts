/**
 * The pipeline of an HCL2 template (one file or a folder's files), read from the parser's syntax tree so it
 * is there while the template has errors. Addresses follow model.ts: `source.qemu.x`, `build[0]`,
 * `build[0].provisioner[2]`, `build[0].post-processors[1][0]`, `build[0].error-cleanup-provisioner`.
 */
import type { Attribute, Block, Expression, File } from '../hcl/ast';
import { parseHclFile } from '../hcl/parser';
import type { Diagnostic } from '../source';
import type {
  LiteralValue,
  PipelineAttribute,
  PipelineBlock,
  PipelineBlockRole,
  PipelineBuild,
  PipelineChain,
  PipelineModel,
  PipelineSourceRef,
  SymbolInfo,
} from './types';

export interface HclDocument {
  file: string;
  text: string;
  ast: File;
  diagnostics: Diagnostic[];
}

export function parseHclDocument(file: string, text: string): HclDocument {
  const { file: ast, diagnostics } = parseHclFile(file, text);
  return { file, text, ast, diagnostics };
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** Decodes a quoted string's backslash escapes, keeping `$${` and `%%{` as written. */
function decodeQuoted(inner: string): string | undefined {
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = inner[i + 1];
    if (next !== undefined && next in ESCAPES) {
      out += ESCAPES[next];
      i++;
    } else if (next === 'u' && /^[0-9A-Fa-f]{4}$/.test(inner.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(inner.slice(i + 2, i + 6), 16));
      i += 5;
    } else if (next === 'U' && /^[0-9A-Fa-f]{8}$/.test(inner.slice(i + 2, i + 10))) {
      out += String.fromCodePoint(parseInt(inner.slice(i + 2, i + 10), 16));
      i += 9;
    } else {
      return undefined;
    }
  }
  return out;
}

/**
 * The value of an expression a form can edit as a literal: numbers, bools, null, quoted strings without
 * interpolation, and lists and objects of those. Anything else is an expression, edited as text.
 */
export function literalValue(expr: Expression, text: string): LiteralValue | undefined {
  switch (expr.kind) {
    case 'Literal':
      return expr.invalid ? undefined : expr.value;
    case 'Template': {
      if (expr.heredoc || !expr.parts.every((p) => p.kind === 'Literal')) return undefined;
      const src = text.slice(expr.range.start.offset, expr.range.end.offset);
      if (!src.startsWith('"') || !src.endsWith('"') || src.length < 2) return undefined;
      return decodeQuoted(src.slice(1, -1));
    }
    case 'UnaryOp':
      if (expr.op === '-' && expr.operand.kind === 'Literal' && typeof expr.operand.value === 'number') {
        return -expr.operand.value;
      }
      return undefined;
    case 'Parentheses':
      return literalValue(expr.inner, text);
    case 'Tuple': {
      const out: LiteralValue[] = [];
      for (const item of expr.items) {
        const v = literalValue(item, text);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case 'Object': {
      const out: { [key: string]: LiteralValue } = {};
      for (const item of expr.items) {
        let key: string | undefined;
        if (!item.keyIsExpression && item.key.kind === 'ScopeTraversal' && item.key.steps.length === 0) {
          key = item.key.root;
        } else {
          const k = literalValue(item.key, text);
          if (typeof k === 'string') key = k;
        }
        const value = literalValue(item.value, text);
        if (key === undefined || value === undefined) return undefined;
        out[key] = value;
      }
      return out;
    }
    default:
      return undefined;
  }
}

function attributeOf(a: Attribute, text: string): PipelineAttribute {
  const literal = literalValue(a.expr, text);
  return {
    key: a.name,
    keyRange: a.nameRange,
    valueRange: a.expr.range,
    text: text.slice(a.expr.range.start.offset, a.expr.range.end.offset),
    ...(literal !== undefined ? { literal } : {}),
  };
}

function stringAttribute(block: Block, name: string, text: string): string | undefined {
  const a = block.body.attributes.find((x) => x.name === name);
  if (!a) return undefined;
  const v = literalValue(a.expr, text);
  return typeof v === 'string' ? v : undefined;
}

function pipelineBlock(
  doc: HclDocument,
  block: Block,
  address: string,
  role: PipelineBlockRole,
  kind: PipelineBlock['kind'],
  type: string,
  name: string | undefined,
): PipelineBlock {
  const typeLabel = block.labels[0];
  const disable = block.body.attributes.find((a) => a.name === 'disable');
  return {
    address,
    role,
    kind,
    type,
    ...(name !== undefined ? { name } : {}),
    file: doc.file,
    range: block.range,
    typeRange: typeLabel?.range ?? block.typeRange,
    attributes: block.body.attributes.map((a) => attributeOf(a, doc.text)),
    nested: block.body.blocks.map((b) => ({ name: b.type, range: b.range })),
    disabled: type === 'breakpoint' && disable !== undefined && literalValue(disable.expr, doc.text) === true,
  };
}

/** `source.qemu.x`, `qemu.x` → `source.qemu.x`. */
export function sourceAddress(ref: string): string | undefined {
  const parts = ref.split('.');
  if (parts.length === 3 && parts[0] === 'source') return ref;
  if (parts.length === 2) return `source.${ref}`;
  return undefined;
}

/** The documents of a template in the order Packer loads them (HCL files by name). */
export function loadOrder<T extends { file: string }>(docs: readonly T[]): T[] {
  return [...docs].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function buildOf(doc: HclDocument, block: Block, index: number, sources: PipelineBlock[]): PipelineBuild {
  const address = `build[${index}]`;
  const text = doc.text;
  const refs: PipelineSourceRef[] = [];
  const known = new Set(sources.map((s) => s.address));
  const target = (ref: string) => {
    const a = sourceAddress(ref);
    return a && known.has(a) ? a : undefined;
  };
  for (const item of block.body.items) {
    if (item.kind === 'Attribute' && item.name === 'sources' && item.expr.kind === 'Tuple') {
      for (const el of item.expr.items) {
        const v = literalValue(el, text);
        if (typeof v !== 'string') continue;
        const t = target(v);
        refs.push({ ref: v, ...(t ? { target: t } : {}), range: el.range });
      }
    } else if (item.kind === 'Block' && item.type === 'source' && item.labels[0]) {
      const ref = item.labels[0].value;
      const t = target(ref);
      refs.push({ ref, ...(t ? { target: t } : {}), range: item.labels[0].range });
    }
  }
  const provisioners: PipelineBlock[] = [];
  const postProcessors: PipelineChain[] = [];
  let errorCleanupProvisioner: PipelineBlock | undefined;
  for (const child of block.body.blocks) {
    const type = child.labels[0]?.value ?? '';
    if (child.type === 'provisioner') {
      const a = `${address}.provisioner[${provisioners.length}]`;
      provisioners.push(
        pipelineBlock(
          doc,
          child,
          a,
          'provisioner',
          'provisioner',
          type,
          stringAttribute(child, 'name', text),
        ),
      );
    } else if (child.type === 'error-cleanup-provisioner') {
      errorCleanupProvisioner = pipelineBlock(
        doc,
        child,
        `${address}.error-cleanup-provisioner`,
        'error-cleanup-provisioner',
        'provisioner',
        type,
        stringAttribute(child, 'name', text),
      );
    } else if (child.type === 'post-processor') {
      const chain = `${address}.post-processors[${postProcessors.length}]`;
      postProcessors.push({
        address: chain,
        chain: false,
        range: child.range,
        steps: [
          pipelineBlock(
            doc,
            child,
            `${chain}[0]`,
            'post-processor',
            'post-processor',
            type,
            stringAttribute(child, 'name', text),
          ),
        ],
      });
    } else if (child.type === 'post-processors') {
      const chain = `${address}.post-processors[${postProcessors.length}]`;
      const steps = child.body.blocks
        .filter((b) => b.type === 'post-processor')
        .map((b, j) =>
          pipelineBlock(
            doc,
            b,
            `${chain}[${j}]`,
            'post-processor',
            'post-processor',
            b.labels[0]?.value ?? '',
            stringAttribute(b, 'name', text),
          ),
        );
      postProcessors.push({ address: chain, chain: true, range: child.range, steps });
    }
  }
  const name = stringAttribute(block, 'name', text);
  return {
    address,
    ...(name !== undefined ? { name } : {}),
    file: doc.file,
    range: block.range,
    sources: refs,
    provisioners,
    ...(errorCleanupProvisioner ? { errorCleanupProvisioner } : {}),
    postProcessors,
  };
}

/** The pipeline model of an HCL2 template made of these documents. */
export function hclPipeline(documents: readonly HclDocument[]): PipelineModel {
  const docs = loadOrder(documents);
  const sources: PipelineBlock[] = [];
  const variables: SymbolInfo[] = [];
  const locals: SymbolInfo[] = [];
  for (const doc of docs) {
    for (const block of doc.ast.body.blocks) {
      const [first, second] = block.labels;
      if (block.type === 'source' && first && second) {
        sources.push(
          pipelineBlock(
            doc,
            block,
            `source.${first.value}.${second.value}`,
            'source',
            'builder',
            first.value,
            second.value,
          ),
        );
      } else if (block.type === 'variable' && first) {
        variables.push({ name: first.value, file: doc.file, range: block.range, nameRange: first.range });
      } else if (block.type === 'locals') {
        for (const a of block.body.attributes) {
          locals.push({ name: a.name, file: doc.file, range: a.range, nameRange: a.nameRange });
        }
      } else if (block.type === 'local' && first) {
        locals.push({ name: first.value, file: doc.file, range: block.range, nameRange: first.range });
      }
    }
  }
  const builds: PipelineBuild[] = [];
  for (const doc of docs) {
    for (const block of doc.ast.body.blocks) {
      if (block.type === 'build') builds.push(buildOf(doc, block, builds.length, sources));
    }
  }
  return { format: 'hcl', sources, builds, variables, locals };
}
