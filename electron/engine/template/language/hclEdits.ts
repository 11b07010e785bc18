/**
 * Visual edits on HCL2 templates as minimal text edits, computed from the parser's ranges: a changed value
 * replaces only the value's text; a new key is one new line in the block's own indentation (its `=`
 * aligned with the key above when that one is aligned); a removed key or block takes its own lines (and the
 * comment lines directly above a block, which describe it) and nothing else; a move permutes the texts of
 * sibling blocks, comments included, between the blocks' own places. Everything else stays byte for byte.
 */
import type { Attribute, Block, Body } from '../hcl/ast';
import { hclPipeline, type HclDocument } from './hclStructure';
import { hclValue } from './render';
import type { FileEdits, PipelineEdit, TextEdit } from './types';

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i;
}

function indentAt(text: string, offset: number): string {
  const start = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** True when nothing but whitespace is between the line's start and offset. */
function startsLine(text: string, offset: number): boolean {
  return text.slice(lineStart(text, offset), offset).trim() === '';
}

/** True when nothing but whitespace or a comment follows offset on its line. */
function endsLine(text: string, offset: number): boolean {
  const rest = text.slice(offset, lineEnd(text, offset)).trim();
  return rest === '' || rest.startsWith('#') || rest.startsWith('//');
}

/** Where a block's text begins: the start of the comment lines directly above it, or its own line. */
function segmentStart(text: string, block: Block): number {
  let start = lineStart(text, block.range.start.offset);
  for (;;) {
    if (start === 0) return start;
    const prevStart = lineStart(text, start - 1);
    const prev = text.slice(prevStart, start - 1).trim();
    if (prev.startsWith('#') || prev.startsWith('//')) start = prevStart;
    else return start;
  }
}

/** A block's segment: comment lines above it through the end of its closing line (no newline). */
function segment(text: string, block: Block): { start: number; end: number } {
  return { start: segmentStart(text, block), end: lineEnd(text, block.range.end.offset) };
}

interface Located {
  doc: HclDocument;
  block: Block;
  /** The body the block sits in, and its siblings of the same list (for moves). */
  siblings: Block[];
  index: number;
}

/** Finds the block of an address in the parsed documents. */
function locate(docs: readonly HclDocument[], address: string): Located {
  const model = hclPipeline(docs);
  const fail = () => new Error(`${address} is not in the template any more`);
  const byRange = (file: string, offset: number) => {
    const doc = docs.find((d) => d.file === file);
    if (!doc) throw fail();
    const find = (body: Body): Block | undefined => {
      for (const b of body.blocks) {
        if (b.range.start.offset === offset) return b;
        if (b.range.start.offset < offset && offset < b.range.end.offset) {
          const inner = find(b.body);
          if (inner) return inner;
        }
      }
      return undefined;
    };
    const block = find(doc.ast.body);
    if (!block) throw fail();
    return { doc, block };
  };
  const source = model.sources.find((s) => s.address === address);
  if (source) {
    const { doc, block } = byRange(source.file, source.range.start.offset);
    return { doc, block, siblings: [block], index: 0 };
  }
  for (const build of model.builds) {
    const all = [
      ...build.provisioners,
      ...(build.errorCleanupProvisioner ? [build.errorCleanupProvisioner] : []),
      ...build.postProcessors.flatMap((c) => c.steps),
    ];
    const hit = all.find((b) => b.address === address);
    const chain = build.postProcessors.find((c) => c.address === address);
    if (!hit && !chain) continue;
    const range = hit ? hit.range : chain!.range;
    const { doc, block } = byRange(build.file, range.start.offset);
    const buildBlock = byRange(build.file, build.range!.start.offset).block;
    let siblings: Block[];
    if (hit?.role === 'provisioner')
      siblings = buildBlock.body.blocks.filter((b) => b.type === 'provisioner');
    else if (
      hit?.role === 'post-processor' &&
      build.postProcessors.some((c) => c.chain && c.steps.includes(hit))
    ) {
      const parent = buildBlock.body.blocks.find(
        (b) =>
          b.type === 'post-processors' &&
          b.range.start.offset < block.range.start.offset &&
          block.range.end.offset <= b.range.end.offset,
      );
      siblings = parent ? parent.body.blocks.filter((b) => b.type === 'post-processor') : [block];
    } else if (hit?.role === 'post-processor' || chain) {
      siblings = buildBlock.body.blocks.filter(
        (b) => b.type === 'post-processor' || b.type === 'post-processors',
      );
    } else siblings = [block];
    return { doc, block, siblings, index: siblings.indexOf(block) };
  }
  throw fail();
}

function findBuild(docs: readonly HclDocument[], address: string): { doc: HclDocument; block: Block } {
  const build = hclPipeline(docs).builds.find((b) => b.address === address);
  const doc = build && docs.find((d) => d.file === build.file);
  const block = doc?.ast.body.blocks.find(
    (b) => b.type === 'build' && b.range.start.offset === build!.range!.start.offset,
  );
  if (!doc || !block) throw new Error(`${address} is not in the template any more`);
  return { doc, block };
}

/** The indentation of a block's items: that of an existing item, else one step in from the block. */
function bodyIndent(text: string, block: Block): string {
  const first = block.body.items[0];
  if (first && startsLine(text, first.range.start.offset)) return indentAt(text, first.range.start.offset);
  return `${indentAt(text, block.range.start.offset)}  `;
}

/** A line that starts with `name =`: where its name is and where its `=` is. */
interface AssignmentLine {
  lineStart: number;
  nameStart: number;
  nameEnd: number;
  eq: number;
  indent: string;
}

const ASSIGNMENT = /^([ \t]*)([A-Za-z_][A-Za-z0-9_-]*)([ \t]*)=(?!=)/;

function assignmentAt(text: string, start: number): AssignmentLine | undefined {
  const m = ASSIGNMENT.exec(text.slice(start, lineEnd(text, start)));
  if (!m) return undefined;
  const nameStart = start + m[1].length;
  const nameEnd = nameStart + m[2].length;
  return { lineStart: start, nameStart, nameEnd, eq: nameEnd + m[3].length, indent: m[1] };
}

/**
 * The run of consecutive `name = …` lines around a line, as `packer fmt` groups them to align their `=`
 * (a line that continues a multi-line value, a blank line or a block ends a run).
 */
function alignmentGroup(text: string, start: number): AssignmentLine[] {
  const first = assignmentAt(text, start);
  if (!first) return [];
  const group = [first];
  for (let at = start; at > 0;) {
    const prev = lineStart(text, at - 1);
    const a = assignmentAt(text, prev);
    if (!a || a.indent !== first.indent) break;
    group.unshift(a);
    at = prev;
  }
  for (let end = lineEnd(text, start); end < text.length;) {
    const next = end + 1;
    const a = assignmentAt(text, next);
    if (!a || a.indent !== first.indent) break;
    group.push(a);
    end = lineEnd(text, next);
  }
  return group;
}

/** The longest name of a group when its `=` are aligned as `packer fmt` aligns them, else undefined. */
function canonicalWidth(group: AssignmentLine[]): number | undefined {
  if (group.length === 0) return undefined;
  const width = Math.max(...group.map((g) => g.nameEnd - g.nameStart));
  return group.every((g) => g.eq - g.nameStart === width + 1) ? width : undefined;
}

/** Edits that move the `=` of a group's lines to one space after a name `width` long. */
function realign(group: AssignmentLine[], width: number): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const g of group) {
    const pad = ' '.repeat(width - (g.nameEnd - g.nameStart) + 1);
    if (g.eq - g.nameEnd !== pad.length)
      edits.push({ offset: g.nameEnd, length: g.eq - g.nameEnd, text: pad });
  }
  return edits;
}

/**
 * How to write a new key after `neighbour`'s line: aligned with its group. A group in `packer fmt` layout is
 * realigned when the new key is the longest (whitespace before `=` only); an author's own alignment is
 * followed when the key fits it.
 */
function alignedKey(text: string, key: string, neighbour: Attribute): { key: string; edits: TextEdit[] } {
  const single = !text.slice(neighbour.range.start.offset, neighbour.range.end.offset).includes('\n');
  if (!single || !startsLine(text, neighbour.range.start.offset)) return { key: `${key} =`, edits: [] };
  const group = alignmentGroup(text, lineStart(text, neighbour.range.start.offset));
  const width = canonicalWidth(group);
  if (width !== undefined) {
    const wanted = Math.max(width, key.length);
    return { key: `${key.padEnd(wanted)} =`, edits: realign(group, wanted) };
  }
  const own = group.find((g) => g.nameStart === neighbour.nameRange.start.offset);
  const column = own ? own.eq - own.nameStart : key.length + 1;
  return { key: key.length < column ? `${key.padEnd(column)}=` : `${key} =`, edits: [] };
}

function setAttribute(
  text: string,
  block: Block,
  key: string,
  valueText: (indent: string) => string,
): TextEdit[] {
  const existing = [...block.body.attributes].reverse().find((a) => a.name === key);
  if (existing) {
    const indent = indentAt(text, existing.range.start.offset);
    const { start, end } = existing.expr.range;
    return [{ offset: start.offset, length: end.offset - start.offset, text: valueText(indent) }];
  }
  const attrs = block.body.attributes;
  const last = attrs[attrs.length - 1];
  const indent = bodyIndent(text, block);
  if (last && endsLine(text, last.range.end.offset)) {
    const at = lineEnd(text, last.range.end.offset);
    const aligned = alignedKey(text, key, last);
    return [
      ...aligned.edits,
      { offset: at, length: 0, text: `\n${indent}${aligned.key} ${valueText(indent)}` },
    ];
  }
  const firstBlock = block.body.blocks[0];
  if (firstBlock && startsLine(text, firstBlock.range.start.offset)) {
    const at = segmentStart(text, firstBlock);
    return [{ offset: at, length: 0, text: `${indent}${key} = ${valueText(indent)}\n\n` }];
  }
  const open = block.openBraceRange.end.offset;
  const close = block.closeBraceRange.start.offset;
  const outer = indentAt(text, block.range.start.offset);
  if (block.body.items.length === 0 && text.slice(open, close).trim() === '') {
    // `{}` or `{ }`, possibly over lines: the key goes on its own line inside.
    return [
      { offset: open, length: close - open, text: `\n${indent}${key} = ${valueText(indent)}\n${outer}` },
    ];
  }
  // A body written on the brace lines (`{ a = 1 }`): add the key on its own line after the opening brace.
  return [{ offset: open, length: 0, text: `\n${indent}${key} = ${valueText(indent)}` }];
}

/** Removes whole lines, and the blank line above when the removal would leave two, or one before `}`. */
function removeLines(text: string, start: number, end: number): TextEdit {
  let from = start;
  const to = end < text.length ? end + 1 : end;
  const prevBlank = from > 0 && text.slice(lineStart(text, from - 1), from - 1).trim() === '';
  const next = text.slice(to, lineEnd(text, to)).trim();
  if (prevBlank && (next === '' || next.startsWith('}'))) from = lineStart(text, from - 1);
  return { offset: from, length: to - from, text: '' };
}

function unsetAttribute(text: string, block: Block, key: string): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const a of block.body.attributes.filter((x) => x.name === key)) {
    if (!startsLine(text, a.range.start.offset) || !endsLine(text, a.range.end.offset)) {
      edits.push({
        offset: a.range.start.offset,
        length: a.range.end.offset - a.range.start.offset,
        text: '',
      });
      continue;
    }
    const start = lineStart(text, a.range.start.offset);
    const end = lineEnd(text, a.range.end.offset);
    edits.push({ offset: start, length: (end < text.length ? end + 1 : end) - start, text: '' });
    // A group in `packer fmt` layout shrinks its alignment when its longest key goes.
    const single = !text.slice(a.range.start.offset, a.range.end.offset).includes('\n');
    const group = single ? alignmentGroup(text, start) : [];
    if (canonicalWidth(group) !== undefined) {
      const rest = group.filter((g) => g.lineStart !== start);
      if (rest.length) edits.push(...realign(rest, Math.max(...rest.map((g) => g.nameEnd - g.nameStart))));
    }
  }
  return edits;
}

function emptyBlock(indent: string, keyword: string, type: string): string {
  return `${indent}${keyword} "${type}" {\n${indent}}`;
}

function addComponent(
  doc: HclDocument,
  build: Block,
  role: 'provisioner' | 'post-processor',
  type: string,
  index?: number,
): TextEdit[] {
  const text = doc.text;
  const indent = bodyIndent(text, build);
  const fresh = emptyBlock(indent, role, type);
  const provisioners = build.body.blocks.filter((b) => b.type === 'provisioner');
  const chains = build.body.blocks.filter((b) => b.type === 'post-processor' || b.type === 'post-processors');
  const list = role === 'provisioner' ? provisioners : chains;
  if (index !== undefined && index < list.length) {
    const at = segmentStart(text, list[Math.max(0, index)]);
    return [{ offset: at, length: 0, text: `${fresh}\n\n` }];
  }
  const after = list[list.length - 1];
  if (after) return [{ offset: lineEnd(text, after.range.end.offset), length: 0, text: `\n\n${fresh}` }];
  if (role === 'provisioner' && chains[0]) {
    return [{ offset: segmentStart(text, chains[0]), length: 0, text: `${fresh}\n\n` }];
  }
  const lastItem = build.body.items[build.body.items.length - 1];
  if (lastItem && endsLine(text, lastItem.range.end.offset)) {
    return [{ offset: lineEnd(text, lastItem.range.end.offset), length: 0, text: `\n\n${fresh}` }];
  }
  const open = build.openBraceRange.end.offset;
  const close = build.closeBraceRange.start.offset;
  const outer = indentAt(text, build.range.start.offset);
  return [{ offset: open, length: close - open, text: `\n${fresh}\n${outer}` }];
}

function move(doc: HclDocument, located: Located, to: number): TextEdit[] {
  const { siblings, index } = located;
  const target = Math.max(0, Math.min(siblings.length - 1, to));
  if (index < 0 || target === index) return [];
  const text = doc.text;
  const slots = siblings.map((b) => segment(text, b));
  const texts = slots.map((s) => text.slice(s.start, s.end));
  // Segments keep their comments; re-indent a moved text to its new slot's indentation (siblings share one).
  const [moved] = texts.splice(index, 1);
  texts.splice(target, 0, moved);
  const edits: TextEdit[] = [];
  for (let i = Math.min(index, target); i <= Math.max(index, target); i++) {
    edits.push({ offset: slots[i].start, length: slots[i].end - slots[i].start, text: texts[i] });
  }
  return edits;
}

/** The text edits (in one file) that make a visual edit on an HCL2 template. */
export function hclEdits(docs: readonly HclDocument[], edit: PipelineEdit): FileEdits {
  if (edit.op === 'add') {
    const { doc, block } = findBuild(docs, edit.build);
    return { file: doc.file, edits: addComponent(doc, block, edit.role, edit.type, edit.index) };
  }
  const located = locate(docs, edit.address);
  const { doc, block } = located;
  const text = doc.text;
  switch (edit.op) {
    case 'set':
      return {
        file: doc.file,
        edits: setAttribute(text, block, edit.key, (indent) => hclValue(edit.value, indent)),
      };
    case 'set-expression':
      return { file: doc.file, edits: setAttribute(text, block, edit.key, () => edit.expression.trim()) };
    case 'unset':
      return { file: doc.file, edits: unsetAttribute(text, block, edit.key) };
    case 'set-disabled':
      return {
        file: doc.file,
        edits: edit.disabled
          ? setAttribute(text, block, 'disable', () => 'true')
          : unsetAttribute(text, block, 'disable'),
      };
    case 'remove': {
      const { start, end } = segment(text, block);
      return { file: doc.file, edits: [removeLines(text, start, end)] };
    }
    case 'move':
      return { file: doc.file, edits: move(doc, located, edit.to) };
  }
}
