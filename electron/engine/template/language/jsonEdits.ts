/**
 * Visual edits on a Packer JSON template as minimal text edits: jsonc-parser's `modify` changes one value
 * and formats only what it inserts, in the file's own indentation; moves permute element texts between
 * the elements' own slots, so every separator and line break stays where the author put it.
 */
import { modify, type FormattingOptions, type JSONPath, type Node } from 'jsonc-parser';
import { parseJson, property } from './jsonStructure';
import type { LiteralValue, PipelineEdit, TextEdit } from './types';

/** The indentation the file already uses: tabs, or the most common step between nested lines. */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const steps = new Map<number, number>();
  let previous = 0;
  for (const line of text.split('\n')) {
    const m = /^([ \t]*)\S/.exec(line);
    if (!m) continue;
    if (m[1].startsWith('\t')) return { insertSpaces: false, tabSize: 4, eol };
    const width = m[1].length;
    if (width > previous) steps.set(width - previous, (steps.get(width - previous) ?? 0) + 1);
    previous = width;
  }
  let best = 2;
  let count = 0;
  for (const [step, n] of steps) if (n > count || (n === count && step < best)) [best, count] = [step, n];
  return { insertSpaces: true, tabSize: best, eol };
}

interface Target {
  path: JSONPath;
  node: Node;
}

/** Finds the node of a block address; post-processor steps written alone resolve to the chain element. */
function resolve(root: Node | undefined, address: string): Target {
  const fail = () => new Error(`${address} is not in the template any more`);
  let m: RegExpExecArray | null;
  if ((m = /^(builders|provisioners)\[(\d+)\]$/.exec(address))) {
    const node = property(root, m[1])?.children?.[Number(m[2])];
    if (!node) throw fail();
    return { path: [m[1], Number(m[2])], node };
  }
  if ((m = /^post-processors\[(\d+)\](?:\[(\d+)\])?$/.exec(address))) {
    const chain = property(root, 'post-processors')?.children?.[Number(m[1])];
    if (!chain) throw fail();
    if (m[2] === undefined) return { path: ['post-processors', Number(m[1])], node: chain };
    if (chain.type === 'array') {
      const node = chain.children?.[Number(m[2])];
      if (!node) throw fail();
      return { path: ['post-processors', Number(m[1]), Number(m[2])], node };
    }
    if (m[2] !== '0') throw fail();
    return { path: ['post-processors', Number(m[1])], node: chain };
  }
  if (address === 'error-cleanup-provisioner') {
    const node = property(root, address);
    if (!node) throw fail();
    return { path: [address], node };
  }
  throw new Error(`${address} is not an address in a JSON template`);
}

function toTextEdits(edits: { offset: number; length: number; content: string }[]): TextEdit[] {
  return edits.map((e) => ({ offset: e.offset, length: e.length, text: e.content }));
}

/** Permutes the texts of sibling nodes among their own slots. */
function moveAmong(text: string, siblings: Node[], from: number, to: number): TextEdit[] {
  if (from < 0 || from >= siblings.length) throw new Error('nothing to move there');
  const target = Math.max(0, Math.min(siblings.length - 1, to));
  if (target === from) return [];
  const texts = siblings.map((n) => text.slice(n.offset, n.offset + n.length));
  const [moved] = texts.splice(from, 1);
  texts.splice(target, 0, moved);
  const lo = Math.min(from, target);
  const hi = Math.max(from, target);
  const edits: TextEdit[] = [];
  for (let i = lo; i <= hi; i++)
    edits.push({ offset: siblings[i].offset, length: siblings[i].length, text: texts[i] });
  return edits;
}

export function jsonEdits(text: string, edit: PipelineEdit): TextEdit[] {
  const root = parseJson(text);
  if (root?.type !== 'object') throw new Error('the template is not a JSON object; fix its syntax first');
  const formattingOptions = detectFormatting(text);
  const change = (path: JSONPath, value: unknown, isArrayInsertion = false) =>
    toTextEdits(modify(text, path, value, { formattingOptions, isArrayInsertion }));

  switch (edit.op) {
    case 'set':
    case 'set-expression':
    case 'unset':
    case 'set-disabled': {
      const target = resolve(root, edit.address);
      const key = edit.op === 'set-disabled' ? 'disable' : edit.key;
      let value: LiteralValue | undefined;
      if (edit.op === 'set') value = edit.value;
      else if (edit.op === 'set-disabled') value = edit.disabled ? true : undefined;
      else if (edit.op === 'set-expression') {
        try {
          value = JSON.parse(edit.expression) as LiteralValue;
        } catch {
          value = edit.expression;
        }
      }
      if (key === 'type' && value === undefined) throw new Error('a component needs its type');
      if (target.node.type === 'string') {
        // `"compress"` written alone becomes an object once it has settings.
        if (value === undefined) return [];
        const obj = { type: String(target.node.value), [key]: value };
        return change(target.path, obj);
      }
      return change([...target.path, key], value);
    }
    case 'remove': {
      const target = resolve(root, edit.address);
      const last = target.path[target.path.length - 1];
      // Removing the only step of a chain removes the chain.
      if (target.path.length === 3) {
        const chain = property(root, 'post-processors')?.children?.[Number(target.path[1])];
        if ((chain?.children?.length ?? 0) <= 1) return change(target.path.slice(0, 2), undefined);
      }
      return change(typeof last === 'number' ? target.path : target.path, undefined);
    }
    case 'move': {
      const target = resolve(root, edit.address);
      const parentPath = target.path.slice(0, -1);
      let parent: Node | undefined = root;
      for (const seg of parentPath)
        parent = typeof seg === 'number' ? parent?.children?.[seg] : property(parent, seg);
      const index = target.path[target.path.length - 1];
      if (parent?.type !== 'array' || typeof index !== 'number')
        throw new Error(`${edit.address} cannot be moved`);
      return moveAmong(text, parent.children ?? [], index, edit.to);
    }
    case 'add': {
      const list = edit.role === 'provisioner' ? 'provisioners' : 'post-processors';
      const existing = property(root, list);
      if (!existing) return change([list], [{ type: edit.type }]);
      const count = existing.children?.length ?? 0;
      const at = Math.max(0, Math.min(count, edit.index ?? count));
      return change([list, at], { type: edit.type }, true);
    }
  }
}
