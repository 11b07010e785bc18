/**
 * Turns a component's HCL body (attributes, nested blocks, dynamic blocks) into the plain configuration
 * every component receives, recording where each key and value was written.
 */
import type { Block, Body, Expression } from '../hcl/ast';
import { UNKNOWN, type ConfigObject, type ConfigRanges, type ConfigValue } from '../config';
import type { Diagnostic, Range } from '../source';
import { error } from '../source';
import type { Scope } from './evaluation';
import { elementsOf, evaluate, objectValue, toConfig, unknownValue, type Value } from './evaluation';

export interface BodyConversion {
  config: ConfigObject;
  ranges: ConfigRanges;
  diagnostics: Diagnostic[];
}

/** Records ranges for the parts of a literal tuple/object so checks can point inside a value. */
function recordNestedRanges(expr: Expression, path: string, ranges: ConfigRanges): void {
  if (expr.kind === 'Tuple') {
    const items = expr.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const itemPath = `${path}.${i}`;
      ranges.values[itemPath] = item.range;
      // Only a tuple or object inside has parts of its own to record.
      if (item.kind === 'Tuple' || item.kind === 'Object') recordNestedRanges(item, itemPath, ranges);
    }
  } else if (expr.kind === 'Object') {
    for (const item of expr.items) {
      const key = item.key;
      let name: string | undefined;
      if (key.kind === 'ScopeTraversal' && key.steps.length === 0 && !item.keyIsExpression) name = key.root;
      else if (key.kind === 'Template' && key.parts.every((p) => p.kind === 'Literal')) {
        name = key.parts.map((p) => (p.kind === 'Literal' ? p.value : '')).join('');
      } else if (key.kind === 'Literal' && typeof key.value === 'string') name = key.value;
      if (name === undefined) continue;
      const itemPath = `${path}.${name}`;
      ranges.keys[itemPath] = key.range;
      ranges.values[itemPath] = item.value.range;
      recordNestedRanges(item.value, itemPath, ranges);
    }
  }
}

function addBlockValue(config: ConfigObject, name: string, value: ConfigObject): void {
  const existing = config[name];
  if (existing === undefined) config[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else config[name] = [existing, value];
}

function convertInto(
  body: Body,
  scope: Scope,
  exclude: ReadonlySet<string>,
  prefix: string,
  config: ConfigObject,
  ranges: ConfigRanges,
  diagnostics: Diagnostic[],
  allUnknown = false,
): void {
  for (const attr of body.attributes) {
    if (exclude.has(attr.name)) continue;
    const { value, diagnostics: diags } = evaluate(attr.expr, scope);
    diagnostics.push(...diags);
    const path = prefix + attr.name;
    config[attr.name] = allUnknown ? UNKNOWN : toConfig(value);
    ranges.keys[path] = attr.nameRange;
    ranges.values[path] = attr.expr.range;
    if (attr.expr.kind === 'Tuple' || attr.expr.kind === 'Object')
      recordNestedRanges(attr.expr, path, ranges);
  }
  for (const block of body.blocks) {
    if (block.type === 'dynamic') {
      expandDynamic(block, scope, prefix, config, ranges, diagnostics, allUnknown);
      continue;
    }
    const nested: ConfigObject = {};
    const before = config[block.type];
    const index = before === undefined ? undefined : Array.isArray(before) ? before.length : 1;
    const path = prefix + block.type + (index === undefined ? '' : `.${index}`);
    convertInto(block.body, scope, new Set(), `${path}.`, nested, ranges, diagnostics, allUnknown);
    ranges.keys[path] = block.typeRange;
    ranges.values[path] = block.range;
    (ranges.blocks ??= {})[prefix + block.type] = true;
    addBlockValue(config, block.type, nested);
  }
}

function expandDynamic(
  block: Block,
  scope: Scope,
  prefix: string,
  config: ConfigObject,
  ranges: ConfigRanges,
  diagnostics: Diagnostic[],
  allUnknown: boolean,
): void {
  const label = block.labels[0];
  if (!label || block.labels.length !== 1) {
    diagnostics.push(
      error(
        'Invalid dynamic block',
        'A dynamic block must have exactly one label: the type of block to generate.',
        block.typeRange,
      ),
    );
    return;
  }
  const forEach = block.body.attributes.find((a) => a.name === 'for_each');
  const iteratorAttr = block.body.attributes.find((a) => a.name === 'iterator');
  const content = block.body.blocks.find((b) => b.type === 'content');
  if (!forEach) {
    diagnostics.push(
      error(
        'Missing required argument',
        'The argument "for_each" is required, but no definition was found.',
        block.typeRange,
      ),
    );
    return;
  }
  if (!content) {
    diagnostics.push(
      error(
        'Missing content block',
        'A dynamic block must have a nested block of type "content".',
        block.typeRange,
      ),
    );
    return;
  }
  let iterator = label.value;
  if (iteratorAttr) {
    const e = iteratorAttr.expr;
    if (e.kind === 'ScopeTraversal' && e.steps.length === 0) iterator = e.root;
    else
      diagnostics.push(
        error('Invalid dynamic iterator name', 'The iterator name must be a single identifier.', e.range),
      );
  }
  const { value: collection, diagnostics: diags } = evaluate(forEach.expr, scope);
  diagnostics.push(...diags);
  const addBlock = (inner: Scope, unknownContent: boolean) => {
    const nested: ConfigObject = {};
    const before = config[label.value];
    const index = before === undefined ? undefined : Array.isArray(before) ? before.length : 1;
    const path = prefix + label.value + (index === undefined ? '' : `.${index}`);
    convertInto(content.body, inner, new Set(), `${path}.`, nested, ranges, diagnostics, unknownContent);
    ranges.keys[path] = block.typeRange;
    ranges.values[path] = content.range;
    (ranges.blocks ??= {})[prefix + label.value] = true;
    addBlockValue(config, label.value, nested);
  };
  const withIterator = (key: Value, value: Value): Scope => ({
    ...scope,
    variables: { ...scope.variables, [iterator]: objectValue({ key, value }) },
  });
  // Unknown for_each (or content under one): like HCL's dynblock, one block whose arguments are all
  // unknown, so its block type and argument names are still checked against the component's schema.
  if (allUnknown || !collection.unmarkDeep()[0].isKnown()) {
    addBlock(withIterator(unknownValue(), unknownValue()), true);
    return;
  }
  const elements = elementsOf(collection);
  if (!elements) {
    diagnostics.push(
      error(
        'Invalid dynamic for_each value',
        'Cannot use a value of this type in for_each. An iterable collection is required.',
        forEach.expr.range,
      ),
    );
    return;
  }
  if (elements.length === 0) {
    // No block, but the block type must still exist ("Blocks of type ... are not expected here").
    const path = prefix + label.value;
    if (config[label.value] === undefined && ranges.keys[path] === undefined)
      ranges.keys[path] = block.typeRange;
    (ranges.blocks ??= {})[path] = true;
    (ranges.emptyBlocks ??= {})[path] = true;
    return;
  }
  for (const [key, value] of elements) addBlock(withIterator(key, value), false);
}

/** Converts a body; `exclude` lists meta-arguments handled by the loader (only, except, ...). */
export function bodyToConfig(body: Body, scope: Scope, exclude: readonly string[] = []): BodyConversion {
  const config: ConfigObject = {};
  const ranges: ConfigRanges = { block: body.range, keys: {}, values: {}, blocks: {}, emptyBlocks: {} };
  const diagnostics: Diagnostic[] = [];
  convertInto(body, scope, new Set(exclude), '', config, ranges, diagnostics);
  return { config, ranges, diagnostics };
}

/** Adds a build-level `source` block's arguments to a source's config; redefining one is an error, as in Packer. */
export function mergeSourceOverrides(
  base: BodyConversion,
  extra: Body,
  scope: Scope,
  baseRanges: Record<string, Range>,
): BodyConversion {
  const added = bodyToConfig(extra, scope, ['name']);
  const diagnostics = [...base.diagnostics, ...added.diagnostics];
  const config: ConfigObject = { ...base.config };
  for (const [key, value] of Object.entries(added.config) as [string, ConfigValue][]) {
    if (key in base.config) {
      const at = baseRanges[key];
      diagnostics.push(
        error(
          'Duplicate argument',
          `Argument "${key}" was already set at ${at ? `${at.file}:${at.start.line},${at.start.column}-${at.end.column}` : 'the source block'}`,
          added.ranges.keys[key],
        ),
      );
      continue;
    }
    config[key] = value;
  }
  return {
    config,
    ranges: {
      block: base.ranges.block,
      keys: { ...base.ranges.keys, ...added.ranges.keys },
      values: { ...base.ranges.values, ...added.ranges.values },
      blocks: { ...base.ranges.blocks, ...added.ranges.blocks },
      emptyBlocks: { ...base.ranges.emptyBlocks, ...added.ranges.emptyBlocks },
    },
    diagnostics,
  };
}
