/**
 * Test support: LocatedConfigs made from JSON text (with real ranges, through jsonc-parser) or from a
 * plain object with one synthetic range per path (for HCL-shaped configs before the HCL loader exists).
 */
import { parseTree, type Node } from 'jsonc-parser';
import type { ConfigObject, ConfigRanges, ConfigValue, LocatedConfig } from '../../config';
import { SourceText, type Range } from '../../source';

/** A JSON object's text → its config and the ranges of every key and value. */
export function locateJson(text: string, file = 'test.json'): LocatedConfig {
  const source = new SourceText(file, text);
  const root = parseTree(text);
  if (!root || root.type !== 'object') throw new Error('expected a JSON object');
  const ranges: ConfigRanges = {
    block: source.range(root.offset, root.offset + root.length),
    keys: {},
    values: {},
  };
  const walk = (node: Node, path: string): ConfigValue => {
    if (path !== '') ranges.values[path] = source.range(node.offset, node.offset + node.length);
    switch (node.type) {
      case 'object': {
        const out: ConfigObject = {};
        for (const property of node.children ?? []) {
          const [keyNode, valueNode] = property.children ?? [];
          if (!keyNode || !valueNode) continue;
          const key = String(keyNode.value);
          const child = path === '' ? key : `${path}.${key}`;
          ranges.keys[child] = source.range(keyNode.offset, keyNode.offset + keyNode.length);
          out[key] = walk(valueNode, child);
        }
        return out;
      }
      case 'array':
        return (node.children ?? []).map((item, i) => walk(item, path === '' ? String(i) : `${path}.${i}`));
      default:
        return node.value as ConfigValue;
    }
  };
  return { config: walk(root, '') as ConfigObject, ranges };
}

/** Where a path's value was written in a JSON LocatedConfig, as `line:column`. */
export function at(range: Range | undefined): string {
  return range ? `${range.start.line}:${range.start.column}` : 'nowhere';
}

/**
 * A config object with synthetic ranges: every path gets its own line (in walk order), keys at column 3
 * and values at column 10, so tests can tell which path a diagnostic points at. `blocks` lists paths
 * written as HCL blocks.
 */
export function locateObject(
  config: ConfigObject,
  blocks: string[] = [],
  file = 'test.pkr.hcl',
): LocatedConfig {
  const ranges: ConfigRanges = {
    block: { file, start: { line: 1, column: 1, offset: 0 }, end: { line: 1000, column: 2, offset: 100000 } },
    keys: {},
    values: {},
    blocks: Object.fromEntries(blocks.map((b) => [b, true as const])),
  };
  let line = 2;
  const pos = (column: number) => ({ line, column, offset: line * 100 + column });
  const walk = (value: ConfigValue, path: string) => {
    if (path !== '') {
      ranges.keys[path] = { file, start: pos(3), end: pos(9) };
      ranges.values[path] = { file, start: pos(10), end: pos(20) };
      line++;
    }
    if (Array.isArray(value))
      value.forEach((item, i) => walk(item, path === '' ? String(i) : `${path}.${i}`));
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, path === '' ? key : `${path}.${key}`);
    }
  };
  walk(config, '');
  return { config, ranges };
}

/** The synthetic line a path was given by locateObject. */
export function lineOf(located: LocatedConfig, path: string): number | undefined {
  return located.ranges.keys[path]?.start.line;
}
