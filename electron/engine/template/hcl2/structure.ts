/**
 * The block structure of Packer's HCL2 configuration: which blocks may appear where, with which labels
 * and meta-arguments. Reads the syntax tree only; nothing here evaluates an expression.
 */
import type { Attribute, Block, Body, Expression, File } from '../hcl/ast';
import type { Diagnostic, Range } from '../source';
import { error, formatRange } from '../source';
import { nameSuggestion as suggest } from '../schema/go';

export interface VariableDecl {
  name: string;
  block?: Block;
  /** For the legacy `variables { a = 1 }` form, the attribute. */
  legacy?: Attribute;
  range: Range;
  nameRange: Range;
  type?: Expression;
  default?: Attribute;
  description?: Expression;
  sensitive?: Expression;
  nullable?: Expression;
  validations: { condition?: Attribute; errorMessage?: Attribute; range: Range; typeRange: Range }[];
}

export interface LocalDecl {
  name: string;
  expr: Expression;
  range: Range;
  nameRange: Range;
  sensitive?: Expression;
}

export interface SourceDecl {
  type: string;
  name: string;
  block: Block;
}

export interface DataDecl {
  type: string;
  name: string;
  block: Block;
}

export interface ProvisionerDecl {
  kind: 'provisioner';
  type: string;
  block: Block;
  /** Index among the build's provisioners. */
  index: number;
  meta: Record<
    'name' | 'pause_before' | 'max_retries' | 'timeout' | 'only' | 'except' | 'override',
    Attribute | undefined
  >;
}

export interface PostProcessorDecl {
  kind: 'post-processor';
  type: string;
  block: Block;
  meta: Record<'name' | 'only' | 'except' | 'keep_input_artifact', Attribute | undefined>;
}

export interface BuildSourceRef {
  /** `type.name` of the declared source. */
  ref: string;
  range: Range;
  /** A `source "..." {}` block inside the build: a local name and extra arguments. */
  block?: Block;
}

export interface BuildDecl {
  block: Block;
  index: number;
  name?: Attribute;
  description?: Attribute;
  sourcesAttr?: Attribute;
  sourceBlocks: Block[];
  provisioners: ProvisionerDecl[];
  errorCleanupProvisioner?: ProvisionerDecl;
  postProcessorChains: PostProcessorDecl[][];
}

export interface HclStructure {
  files: File[];
  packerBlocks: Block[];
  variables: Map<string, VariableDecl>;
  locals: Map<string, LocalDecl>;
  sources: Map<string, SourceDecl>;
  dataSources: Map<string, DataDecl>;
  builds: BuildDecl[];
  diagnostics: Diagnostic[];
}

const TOP_LEVEL_BLOCKS = [
  'packer',
  'source',
  'variables',
  'variable',
  'locals',
  'local',
  'data',
  'build',
  'hcp_packer_registry',
];
const LABELS: Record<string, string[]> = {
  packer: [],
  source: ['type', 'name'],
  variables: [],
  variable: ['name'],
  locals: [],
  local: ['name'],
  data: ['type', 'name'],
  build: [],
  hcp_packer_registry: [],
};
const PROVISIONER_META = [
  'name',
  'pause_before',
  'max_retries',
  'timeout',
  'only',
  'except',
  'override',
] as const;
const POST_PROCESSOR_META = ['name', 'only', 'except', 'keep_input_artifact'] as const;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function unsupportedBlock(block: Block, expected: string[]): Diagnostic {
  const near = suggest(block.type, expected);
  return error(
    'Unsupported block type',
    `Blocks of type "${block.type}" are not expected here.${near ? ` Did you mean "${near}"?` : ''}`,
    block.typeRange,
  );
}

function unsupportedArgument(attr: Attribute, expected: string[], blocks: string[] = []): Diagnostic {
  if (blocks.includes(attr.name)) {
    return error(
      'Unsupported argument',
      `An argument named "${attr.name}" is not expected here. Did you mean to define a block of type "${attr.name}"?`,
      attr.nameRange,
    );
  }
  const near = suggest(attr.name, expected);
  return error(
    'Unsupported argument',
    `An argument named "${attr.name}" is not expected here.${near ? ` Did you mean "${near}"?` : ''}`,
    attr.nameRange,
  );
}

function checkLabels(block: Block, names: string[], diagnostics: Diagnostic[]): boolean {
  if (block.labels.length === names.length) return true;
  if (block.labels.length > names.length) {
    const extra = block.labels[names.length];
    diagnostics.push(
      error(
        'Extraneous label for ' + block.type,
        names.length === 0
          ? `No labels are expected for ${block.type} blocks.`
          : `Only ${names.length} labels (${names.join(', ')}) are expected for ${block.type} blocks.`,
        extra.range,
      ),
    );
  } else {
    diagnostics.push(
      error(
        `Missing ${names[block.labels.length]} for ${block.type}`,
        `All ${block.type} blocks must have ${names.length} labels (${names.join(', ')}).`,
        block.typeRange,
      ),
    );
  }
  return false;
}

/** Reads a block's body, allowing only the given arguments and nested block types. */
function readBody(
  body: Body,
  allowedArgs: readonly string[],
  allowedBlocks: readonly string[],
  diagnostics: Diagnostic[],
): { args: Map<string, Attribute>; blocks: Block[] } {
  const args = new Map<string, Attribute>();
  for (const attr of body.attributes) {
    if (!allowedArgs.includes(attr.name)) {
      diagnostics.push(unsupportedArgument(attr, [...allowedArgs], [...allowedBlocks]));
      continue;
    }
    args.set(attr.name, attr);
  }
  const blocks: Block[] = [];
  for (const block of body.blocks) {
    if (!allowedBlocks.includes(block.type)) {
      diagnostics.push(unsupportedBlock(block, [...allowedBlocks]));
      continue;
    }
    blocks.push(block);
  }
  return { args, blocks };
}

function declareVariable(block: Block, structure: HclStructure): void {
  const d = structure.diagnostics;
  if (!checkLabels(block, ['name'], d)) return;
  const label = block.labels[0];
  if (!IDENTIFIER.test(label.value)) {
    d.push(
      error(
        'Invalid variable name',
        'A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.',
        label.range,
      ),
    );
    return;
  }
  const { args, blocks } = readBody(
    block.body,
    ['type', 'default', 'description', 'sensitive', 'nullable'],
    ['validation'],
    d,
  );
  const existing = structure.variables.get(label.value);
  if (existing) {
    d.push(error('Duplicate variable', `Duplicate ${label.value} variable definition found.`, label.range));
    return;
  }
  const validations = blocks.map((v) => {
    const inner = readBody(v.body, ['condition', 'error_message'], [], d);
    checkLabels(v, [], d);
    if (!inner.args.get('condition')) {
      d.push(
        error(
          'Missing required argument',
          'The argument "condition" is required, but no definition was found.',
          v.typeRange,
        ),
      );
    }
    if (!inner.args.get('error_message')) {
      d.push(
        error(
          'Missing required argument',
          'The argument "error_message" is required, but no definition was found.',
          v.typeRange,
        ),
      );
    }
    return {
      condition: inner.args.get('condition'),
      errorMessage: inner.args.get('error_message'),
      range: v.range,
      typeRange: v.typeRange,
    };
  });
  structure.variables.set(label.value, {
    name: label.value,
    block,
    range: block.range,
    nameRange: label.range,
    type: args.get('type')?.expr,
    default: args.get('default'),
    description: args.get('description')?.expr,
    sensitive: args.get('sensitive')?.expr,
    nullable: args.get('nullable')?.expr,
    validations,
  });
}

function declareLegacyVariables(block: Block, structure: HclStructure): void {
  const d = structure.diagnostics;
  checkLabels(block, [], d);
  for (const nested of block.body.blocks) d.push(unsupportedBlock(nested, []));
  for (const attr of block.body.attributes) {
    if (structure.variables.has(attr.name)) {
      d.push(
        error('Duplicate variable', `Duplicate ${attr.name} variable definition found.`, attr.nameRange),
      );
      continue;
    }
    structure.variables.set(attr.name, {
      name: attr.name,
      legacy: attr,
      range: attr.range,
      nameRange: attr.nameRange,
      default: attr,
      validations: [],
    });
  }
}

function declareLocal(
  name: string,
  expr: Expression,
  range: Range,
  nameRange: Range,
  structure: HclStructure,
  sensitive?: Expression,
): void {
  const existing = structure.locals.get(name);
  if (existing) {
    structure.diagnostics.push(
      error(
        'Duplicate local definition',
        `Local variable "${name}" is defined twice, at ${formatRange(existing.nameRange)} and ${formatRange(nameRange)}.`,
        nameRange,
      ),
    );
    return;
  }
  structure.locals.set(name, { name, expr, range, nameRange, sensitive });
}

function declareSource(block: Block, structure: HclStructure): void {
  if (!checkLabels(block, ['type', 'name'], structure.diagnostics)) return;
  const [type, name] = block.labels.map((l) => l.value);
  const key = `${type}.${name}`;
  const existing = structure.sources.get(key);
  if (existing) {
    const at = existing.block.typeRange;
    structure.diagnostics.push(
      error(
        'Duplicate source block',
        `This source block has the same builder type and name as a previous block declared at ${at.file}:${at.start.line},${at.start.column}-${existing.block.labels[1]?.range.end.column ?? at.end.column}. Each source must have a unique name per builder type.`,
        block.labels[1]?.range ?? block.typeRange,
      ),
    );
    return;
  }
  structure.sources.set(key, { type, name, block });
}

function declareData(block: Block, structure: HclStructure): void {
  if (!checkLabels(block, ['type', 'name'], structure.diagnostics)) return;
  const [type, name] = block.labels.map((l) => l.value);
  const key = `${type}.${name}`;
  if (structure.dataSources.has(key)) {
    structure.diagnostics.push(
      error(
        'Duplicate data block',
        `This data block has the same data type and name as a previous block: ${key}.`,
        block.labels[1].range,
      ),
    );
    return;
  }
  structure.dataSources.set(key, { type, name, block });
}

function metaOf<K extends string>(body: Body, names: readonly K[]): Record<K, Attribute | undefined> {
  const out = {} as Record<K, Attribute | undefined>;
  for (const n of names) out[n] = body.attributes.find((a) => a.name === n);
  return out;
}

function declareProvisioner(block: Block, index: number, d: Diagnostic[]): ProvisionerDecl | undefined {
  if (!checkLabels(block, ['type'], d)) return undefined;
  return {
    kind: 'provisioner',
    type: block.labels[0].value,
    block,
    index,
    meta: metaOf(block.body, PROVISIONER_META),
  };
}

function declarePostProcessor(block: Block, d: Diagnostic[]): PostProcessorDecl | undefined {
  if (!checkLabels(block, ['type'], d)) return undefined;
  return {
    kind: 'post-processor',
    type: block.labels[0].value,
    block,
    meta: metaOf(block.body, POST_PROCESSOR_META),
  };
}

function declareBuild(block: Block, index: number, structure: HclStructure): void {
  const d = structure.diagnostics;
  checkLabels(block, [], d);
  const { args, blocks } = readBody(
    block.body,
    ['name', 'description', 'sources'],
    [
      'source',
      'provisioner',
      'error-cleanup-provisioner',
      'post-processor',
      'post-processors',
      'hcp_packer_registry',
    ],
    d,
  );
  const build: BuildDecl = {
    block,
    index,
    name: args.get('name'),
    description: args.get('description'),
    sourcesAttr: args.get('sources'),
    sourceBlocks: [],
    provisioners: [],
    postProcessorChains: [],
  };
  for (const nested of blocks) {
    switch (nested.type) {
      case 'source':
        if (checkLabels(nested, ['reference'], d)) build.sourceBlocks.push(nested);
        break;
      case 'provisioner': {
        const p = declareProvisioner(nested, build.provisioners.length, d);
        if (p) build.provisioners.push(p);
        break;
      }
      case 'error-cleanup-provisioner': {
        if (build.errorCleanupProvisioner) {
          d.push(
            error(
              'Only one error-cleanup-provisioner is allowed',
              'A build block may have at most one error-cleanup-provisioner.',
              nested.typeRange,
            ),
          );
          break;
        }
        build.errorCleanupProvisioner = declareProvisioner(nested, 0, d);
        break;
      }
      case 'post-processor': {
        const pp = declarePostProcessor(nested, d);
        if (pp) build.postProcessorChains.push([pp]);
        break;
      }
      case 'post-processors': {
        checkLabels(nested, [], d);
        const inner = readBody(nested.body, [], ['post-processor'], d);
        const chain = inner.blocks
          .map((b) => declarePostProcessor(b, d))
          .filter((p): p is PostProcessorDecl => !!p);
        if (chain.length) build.postProcessorChains.push(chain);
        break;
      }
      case 'hcp_packer_registry':
        break;
    }
  }
  structure.builds.push(build);
}

/** Reads the top-level blocks of every file of a template into declarations, with Packer's structural errors. */
export function readStructure(files: File[]): HclStructure {
  const structure: HclStructure = {
    files,
    packerBlocks: [],
    variables: new Map(),
    locals: new Map(),
    sources: new Map(),
    dataSources: new Map(),
    builds: [],
    diagnostics: [],
  };
  const d = structure.diagnostics;
  for (const file of files) {
    for (const attr of file.body.attributes) {
      d.push(
        error(
          'Unsupported argument',
          `An argument named "${attr.name}" is not expected here.`,
          attr.nameRange,
        ),
      );
    }
    for (const block of file.body.blocks) {
      if (!TOP_LEVEL_BLOCKS.includes(block.type)) {
        d.push(unsupportedBlock(block, TOP_LEVEL_BLOCKS));
        continue;
      }
      switch (block.type) {
        case 'packer':
          checkLabels(block, LABELS.packer, d);
          readBody(block.body, ['required_version'], ['required_plugins'], d);
          structure.packerBlocks.push(block);
          break;
        case 'variable':
          declareVariable(block, structure);
          break;
        case 'variables':
          declareLegacyVariables(block, structure);
          break;
        case 'locals':
          checkLabels(block, [], d);
          for (const nested of block.body.blocks) d.push(unsupportedBlock(nested, []));
          for (const attr of block.body.attributes)
            declareLocal(attr.name, attr.expr, attr.range, attr.nameRange, structure);
          break;
        case 'local': {
          if (!checkLabels(block, ['name'], d)) break;
          const { args } = readBody(block.body, ['expression', 'sensitive'], [], d);
          const expression = args.get('expression');
          if (!expression) {
            d.push(
              error(
                'Missing required argument',
                'The argument "expression" is required, but no definition was found.',
                block.typeRange,
              ),
            );
            break;
          }
          declareLocal(
            block.labels[0].value,
            expression.expr,
            block.range,
            block.labels[0].range,
            structure,
            args.get('sensitive')?.expr,
          );
          break;
        }
        case 'source':
          declareSource(block, structure);
          break;
        case 'data':
          declareData(block, structure);
          break;
        case 'build':
          declareBuild(block, structure.builds.length, structure);
          break;
        case 'hcp_packer_registry':
          break;
      }
    }
  }
  return structure;
}

/** `source.T.N`, `sources.T.N` (accepted by Packer) or `T.N` → `T.N`; undefined when malformed. */
export function parseSourceRef(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length === 3 && (parts[0] === 'source' || parts[0] === 'sources'))
    return `${parts[1]}.${parts[2]}`;
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return text;
  return undefined;
}
