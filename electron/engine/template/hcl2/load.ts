/**
 * Loads an HCL2 template (a `.pkr.hcl` file or a folder of them) into the template model, with Packer's
 * semantics: variables and their precedence, locals, sources, builds with source overrides, provisioners,
 * post-processor chains, only/except and override.
 */
import type { Attribute, Block, File } from '../hcl/ast';
import type { TemplateHost } from '../host';
import type {
  BuildBlockInfo,
  BuildPlan,
  ComponentInstance,
  LoadedTemplate,
  LocalInfo,
  PostProcessorInstance,
  ProvisionerInstance,
  ResolvedConfig,
  RuntimeVars,
  VariableInfo,
} from '../model';
import type { Diagnostic, Range } from '../source';
import { error, hasErrors } from '../source';
import { normalizePath } from '../paths';
import { nameSuggestion as suggest, parseGoDuration } from '../schema/go';
import { PACKER_COMPAT_VERSION } from '../../version';
import { parseHclSource } from './parse';
import { findHclFiles } from './files';
import type { BuildDecl, HclStructure, PostProcessorDecl, ProvisionerDecl, SourceDecl } from './structure';
import { parseSourceRef, readStructure } from './structure';
import { bodyToConfig, mergeSourceOverrides } from './body';
import type { Scope, Value } from './evaluation';
import {
  asBool,
  asNumber,
  asString,
  asStringList,
  collectStrings,
  display,
  evaluate,
  isKnown,
  isNull,
  newFunctionTables,
  objectValue,
  stringValue,
  toConfig,
  unknownValue,
} from './evaluation';
import { collectVariables } from './variables';
import { evaluateLocals } from './locals';
import { checkPackerBlocks } from './packer-block';
import type { DataSourceValues } from './data-values';

export interface HclLoadOptions {
  /** `-var name=value`, in command-line order. */
  vars: [string, string][];
  /** `-var-file` paths, in command-line order. */
  varFiles: string[];
  /** Stop after reading the files' structure (`validate -syntax-only`). */
  syntaxOnly?: boolean;
  /** Outputs of the data sources the build has run; the others stay unknown. */
  dataValues?: DataSourceValues;
}

const PROVISIONER_META = ['name', 'pause_before', 'max_retries', 'timeout', 'only', 'except', 'override'];
const POST_PROCESSOR_META = ['name', 'only', 'except', 'keep_input_artifact'];

interface BuildContext {
  structure: HclStructure;
  baseScope: Scope;
  diagnostics: Diagnostic[];
}

function metaString(
  attr: Attribute | undefined,
  scope: Scope,
  diagnostics: Diagnostic[],
): string | undefined {
  if (!attr) return undefined;
  const { value, diagnostics: d } = evaluate(attr.expr, scope);
  diagnostics.push(...d);
  if (!isKnown(value) || isNull(value)) return undefined;
  const s = asString(value);
  if (s === undefined)
    diagnostics.push(
      error(
        'Incorrect attribute value type',
        `Inappropriate value for attribute "${attr.name}": string required.`,
        attr.expr.range,
      ),
    );
  return s;
}

function metaStringList(
  attr: Attribute | undefined,
  scope: Scope,
  diagnostics: Diagnostic[],
): string[] | undefined {
  if (!attr) return undefined;
  const { value, diagnostics: d } = evaluate(attr.expr, scope);
  diagnostics.push(...d);
  if (!isKnown(value) || isNull(value)) return undefined;
  const list = asStringList(value);
  if (!list)
    diagnostics.push(
      error(
        'Incorrect attribute value type',
        `Inappropriate value for attribute "${attr.name}": list of string required.`,
        attr.expr.range,
      ),
    );
  return list;
}

function metaDuration(
  attr: Attribute | undefined,
  scope: Scope,
  what: string,
  diagnostics: Diagnostic[],
): number {
  const text = metaString(attr, scope, diagnostics);
  if (text === undefined || attr === undefined) return 0;
  const parsed = parseGoDuration(text);
  const ms = parsed.ok ? parsed.value : undefined;
  if (ms === undefined) {
    diagnostics.push(
      error(`Failed to parse ${what} duration`, `time: invalid duration "${text}"`, attr.expr.range),
    );
    return 0;
  }
  return ms;
}

/** The generated data `build.*` names, unknown until the build runs. */
export const BUILD_KEYS = [
  'ID',
  'Host',
  'Port',
  'User',
  'Password',
  'ConnType',
  'PackerRunUUID',
  'PackerHTTPIP',
  'PackerHTTPPort',
  'PackerHTTPAddr',
  'SSHPublicKey',
  'SSHPrivateKey',
  'WinRMPassword',
];

/** `name` and BUILD_KEYS in the order an object value keeps its keys, so making one needs no sort. */
const BUILD_OBJECT_KEYS = ['name', ...BUILD_KEYS].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Values of `build.*`: Packer's generated data, unknown until the build runs. */
function buildObject(runtime: RuntimeVars): Value {
  const fields: Record<string, Value> = {};
  for (const k of BUILD_OBJECT_KEYS) {
    if (k === 'name') {
      fields.name = stringValue(runtime.buildBlockName);
      continue;
    }
    const v = runtime.generated?.[k];
    fields[k] = v === undefined ? unknownValue() : stringValue(v);
  }
  for (const [k, v] of Object.entries(runtime.generated ?? {}))
    if (!(k in fields)) fields[k] = stringValue(v);
  return objectValue(fields);
}

function makeComponentScope(base: Scope, runtime: RuntimeVars, withBuild: boolean): Scope {
  const variables: Record<string, Value> = {
    ...base.variables,
    source: objectValue({ name: stringValue(runtime.sourceName), type: stringValue(runtime.builderType) }),
  };
  if (withBuild) variables.build = buildObject(runtime);
  return { ...base, variables };
}

/**
 * Scopes without generated data (every component at validate time) depend only on these names, so the
 * components of one build share one: values are immutable, and a shared scope is converted once.
 */
const sharedScopes = new WeakMap<Scope, Map<string, Scope>>();

function componentScope(base: Scope, runtime: RuntimeVars, withBuild: boolean): Scope {
  if (runtime.generated !== undefined) return makeComponentScope(base, runtime, withBuild);
  let scopes = sharedScopes.get(base);
  if (!scopes) sharedScopes.set(base, (scopes = new Map()));
  // Length-prefixed, so no two different triples make the same key.
  const block = withBuild ? runtime.buildBlockName : '';
  const key = `${withBuild ? 'b' : 's'}${block.length}:${block}${runtime.builderType.length}:${runtime.builderType}${runtime.sourceName}`;
  let scope = scopes.get(key);
  if (!scope) scopes.set(key, (scope = makeComponentScope(base, runtime, withBuild)));
  return scope;
}

function sourceString(type: string, name: string): string {
  return `${type}.${name}`;
}

function onlyExceptSkips(only: string[] | undefined, except: string[] | undefined, source: string): boolean {
  if (only && only.length && !only.includes(source)) return true;
  if (except && except.includes(source)) return true;
  return false;
}

interface SourceUse {
  decl: SourceDecl;
  localName: string;
  overrides?: Block;
  refRange: Range;
}

function resolveBuildSources(build: BuildDecl, ctx: BuildContext): SourceUse[] {
  const uses: SourceUse[] = [];
  const { structure, diagnostics } = ctx;
  const lookup = (text: string, range: Range): SourceDecl | undefined => {
    const ref = parseSourceRef(text);
    if (!ref) {
      diagnostics.push(
        error(
          'Invalid source reference',
          `Source reference must be of the form "source.<type>.<name>" or "<type>.<name>"; got "${text}".`,
          range,
        ),
      );
      return undefined;
    }
    const decl = structure.sources.get(ref);
    if (!decl) {
      // Only for the message: most builds name known sources, and 120 builds made 120 copies of the list.
      const known = [...structure.sources.keys()];
      const near = suggest(ref, known);
      diagnostics.push(
        error(
          `Unknown source ${ref}`,
          near ? `Did you mean to use "${near}"?` : `Known: [${known.join(' ')}]`,
          range,
        ),
      );
    }
    return decl;
  };
  if (build.sourcesAttr) {
    const { value, diagnostics: d } = evaluate(build.sourcesAttr.expr, ctx.baseScope);
    diagnostics.push(...d);
    const list = isKnown(value) ? asStringList(value) : undefined;
    if (isKnown(value) && !list) {
      diagnostics.push(
        error(
          'Incorrect attribute value type',
          'Inappropriate value for attribute "sources": list of string required.',
          build.sourcesAttr.expr.range,
        ),
      );
    }
    const expr = build.sourcesAttr.expr;
    (list ?? []).forEach((text, i) => {
      const range = expr.kind === 'Tuple' && expr.items[i] ? expr.items[i].range : expr.range;
      const decl = lookup(text, range);
      if (decl) uses.push({ decl, localName: decl.name, refRange: range });
    });
  }
  for (const block of build.sourceBlocks) {
    const label = block.labels[0];
    const decl = lookup(label.value, label.range);
    if (!decl) continue;
    const nameAttr = block.body.attributes.find((a) => a.name === 'name');
    const localName = metaString(nameAttr, ctx.baseScope, diagnostics) ?? decl.name;
    uses.push({ decl, localName, overrides: block, refRange: label.range });
  }
  if (uses.length === 0 && !build.sourcesAttr && build.sourceBlocks.length === 0) {
    diagnostics.push(
      error(
        'missing source reference',
        'a build block must reference at least one source to be built',
        build.block.typeRange,
      ),
    );
  }
  return uses;
}

function makeBuilder(use: SourceUse, ctx: BuildContext, buildBlockName: string): ComponentInstance {
  const { decl } = use;
  const address = `source.${decl.type}.${decl.name}`;
  return {
    kind: 'builder',
    type: decl.type,
    name: use.localName,
    address,
    range: decl.block.range,
    typeRange: decl.block.labels[0].range,
    resolve(runtime: RuntimeVars): ResolvedConfig {
      const scope = componentScope(ctx.baseScope, { ...runtime, buildBlockName }, false);
      let conversion = bodyToConfig(decl.block.body, scope);
      if (use.overrides)
        conversion = mergeSourceOverrides(conversion, use.overrides.body, scope, conversion.ranges.keys);
      return conversion;
    },
  };
}

function makeProvisioner(
  decl: ProvisionerDecl,
  address: string,
  ctx: BuildContext,
  meta: { name?: string; pauseBefore: number; maxRetries: number; timeout: number },
): ProvisionerInstance {
  return {
    kind: 'provisioner',
    type: decl.type,
    name: meta.name ?? decl.type,
    address,
    range: decl.block.range,
    typeRange: decl.block.labels[0].range,
    pauseBefore: meta.pauseBefore,
    maxRetries: meta.maxRetries,
    timeout: meta.timeout,
    resolve(runtime: RuntimeVars): ResolvedConfig {
      const scope = componentScope(ctx.baseScope, runtime, true);
      const conversion = bodyToConfig(decl.block.body, scope, PROVISIONER_META);
      const overrideAttr = decl.meta.override;
      if (overrideAttr) {
        const { value, diagnostics } = evaluate(overrideAttr.expr, scope);
        conversion.diagnostics.push(...diagnostics);
        const all = toConfig(value);
        const key = sourceString(runtime.builderType, runtime.sourceName);
        if (all && typeof all === 'object' && !Array.isArray(all)) {
          const mine = (all as Record<string, unknown>)[key];
          if (mine && typeof mine === 'object' && !Array.isArray(mine))
            Object.assign(conversion.config, mine);
        }
      }
      return conversion;
    },
  };
}

function makePostProcessor(
  decl: PostProcessorDecl,
  address: string,
  ctx: BuildContext,
  name: string | undefined,
  keep: boolean | undefined,
): PostProcessorInstance {
  return {
    kind: 'post-processor',
    type: decl.type,
    name: name ?? decl.type,
    address,
    range: decl.block.range,
    typeRange: decl.block.labels[0].range,
    keepInputArtifact: keep,
    resolve(runtime: RuntimeVars): ResolvedConfig {
      const scope = componentScope(ctx.baseScope, runtime, true);
      return bodyToConfig(decl.block.body, scope, POST_PROCESSOR_META);
    },
  };
}

interface ProvisionerMeta {
  decl: ProvisionerDecl;
  instance: ProvisionerInstance;
  only?: string[];
  except?: string[];
}

function readProvisionerMeta(decl: ProvisionerDecl, address: string, ctx: BuildContext): ProvisionerMeta {
  const scope = ctx.baseScope;
  const d = ctx.diagnostics;
  const only = metaStringList(decl.meta.only, scope, d);
  const except = metaStringList(decl.meta.except, scope, d);
  if (decl.meta.only && decl.meta.except) {
    d.push(
      error(
        "only one of 'only' or 'except' may be specified",
        "only one of 'only' or 'except' may be specified",
        decl.block.typeRange,
      ),
    );
  }
  let maxRetries = 0;
  if (decl.meta.max_retries) {
    const { value, diagnostics } = evaluate(decl.meta.max_retries.expr, scope);
    d.push(...diagnostics);
    const n = isKnown(value) ? asNumber(value) : 0;
    if (n === undefined || !Number.isInteger(n)) {
      d.push(
        error(
          'Incorrect attribute value type',
          'Inappropriate value for attribute "max_retries": a whole number is required.',
          decl.meta.max_retries.expr.range,
        ),
      );
    } else maxRetries = n;
  }
  const instance = makeProvisioner(decl, address, ctx, {
    name: metaString(decl.meta.name, scope, d),
    pauseBefore: metaDuration(decl.meta.pause_before, scope, 'pause_before', d),
    maxRetries,
    timeout: metaDuration(decl.meta.timeout, scope, 'timeout', d),
  });
  return { decl, instance, only, except };
}

function buildPlans(ctx: BuildContext): { plans: BuildPlan[]; blocks: BuildBlockInfo[] } {
  const plans: BuildPlan[] = [];
  const blocks: BuildBlockInfo[] = [];
  for (const build of ctx.structure.builds) {
    const d = ctx.diagnostics;
    const buildName = metaString(build.name, ctx.baseScope, d) ?? '';
    const description = metaString(build.description, ctx.baseScope, d);
    const uses = resolveBuildSources(build, ctx);
    const prefix = `build[${build.index}]`;
    const provisioners = build.provisioners.map((p, i) =>
      readProvisionerMeta(p, `${prefix}.provisioner[${i}]`, ctx),
    );
    const cleanup = build.errorCleanupProvisioner
      ? readProvisionerMeta(build.errorCleanupProvisioner, `${prefix}.error-cleanup-provisioner`, ctx)
      : undefined;
    const chains = build.postProcessorChains.map((chain, ci) =>
      chain.map((decl, pi) => {
        const only = metaStringList(decl.meta.only, ctx.baseScope, d);
        const except = metaStringList(decl.meta.except, ctx.baseScope, d);
        if (decl.meta.only && decl.meta.except) {
          d.push(
            error(
              "only one of 'only' or 'except' may be specified",
              "only one of 'only' or 'except' may be specified",
              decl.block.typeRange,
            ),
          );
        }
        let keep: boolean | undefined;
        if (decl.meta.keep_input_artifact) {
          const { value, diagnostics } = evaluate(decl.meta.keep_input_artifact.expr, ctx.baseScope);
          d.push(...diagnostics);
          keep = isKnown(value) ? asBool(value) : undefined;
        }
        const single =
          build.postProcessorChains[ci].length === 1 && build.block.body.blocks.some((b) => b === decl.block);
        const address = single
          ? `${prefix}.post-processor[${ci}]`
          : `${prefix}.post-processors[${ci}][${pi}]`;
        return {
          decl,
          instance: makePostProcessor(decl, address, ctx, metaString(decl.meta.name, ctx.baseScope, d), keep),
          only,
          except,
        };
      }),
    );
    blocks.push({
      name: buildName,
      description,
      range: build.block.range,
      sources: uses.map((u) => sourceString(u.decl.type, u.decl.name)),
      provisioners: provisioners.map((p) => p.instance),
      errorCleanupProvisioner: cleanup?.instance,
      postProcessors: chains.map((c) => c.map((p) => p.instance)),
    });
    for (const use of uses) {
      const src = sourceString(use.decl.type, use.localName);
      const name = buildName ? `${buildName}.${src}` : src;
      plans.push({
        name,
        builderType: use.decl.type,
        sourceName: use.localName,
        buildBlockName: buildName,
        description,
        builder: makeBuilder(use, ctx, buildName),
        provisioners: provisioners
          .filter((p) => !onlyExceptSkips(p.only, p.except, src))
          .map((p) => p.instance),
        errorCleanupProvisioner:
          cleanup && !onlyExceptSkips(cleanup.only, cleanup.except, src) ? cleanup.instance : undefined,
        postProcessors: chains
          .map((chain) => chain.filter((p) => !onlyExceptSkips(p.only, p.except, src)).map((p) => p.instance))
          .filter((chain) => chain.length > 0),
      });
    }
  }
  return { plans, blocks };
}

function emptyTemplate(path: string, files: string[], diagnostics: Diagnostic[]): LoadedTemplate {
  return {
    format: 'hcl',
    path,
    files,
    variables: [],
    locals: [],
    sources: [],
    dataSources: [],
    buildBlocks: [],
    builds: [],
    sensitiveValues: [],
    diagnostics,
  };
}

function dataSourceInstances(structure: HclStructure, scope: Scope): ComponentInstance[] {
  return [...structure.dataSources.values()].map((decl) => ({
    kind: 'data' as const,
    type: decl.type,
    name: decl.name,
    address: `data.${decl.type}.${decl.name}`,
    range: decl.block.range,
    typeRange: decl.block.labels[0].range,
    resolve: () => bodyToConfig(decl.block.body, scope),
  }));
}

/** An HCL2 template with the scope its expressions evaluate in (for `console`). */
export interface LoadedHclTemplate extends LoadedTemplate {
  hcl?: { scope: Scope };
}

export function loadHclTemplate(
  path: string,
  options: HclLoadOptions,
  host: TemplateHost,
): LoadedHclTemplate {
  const fileSet = findHclFiles(path, host);
  const diagnostics: Diagnostic[] = [...fileSet.diagnostics];
  const files: File[] = [];
  for (const file of fileSet.configFiles) {
    let text: string;
    try {
      text = host.readFile(file);
    } catch (e) {
      diagnostics.push(error('Failed to read file', `${file}: ${(e as Error).message}`));
      continue;
    }
    const parsed = parseHclSource(file, text);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.file) files.push(parsed.file);
  }
  const fileNames = [...fileSet.configFiles, ...fileSet.autoVarFiles];
  if (hasErrors(diagnostics)) return emptyTemplate(path, fileNames, diagnostics);

  const structure = readStructure(files);
  diagnostics.push(...structure.diagnostics);
  if (options.syntaxOnly) return emptyTemplate(path, fileNames, diagnostics);

  const pathRoot = normalizePath(fileSet.root);
  const baseVariables: Record<string, Value> = {
    path: objectValue({ root: stringValue(pathRoot), cwd: stringValue(host.cwd().replace(/\\/g, '/')) }),
    packer: objectValue({
      version: stringValue(PACKER_COMPAT_VERSION),
      iterationID: unknownValue(),
      versionFingerprint: unknownValue(),
    }),
  };
  const rootScope: Scope = {
    variables: baseVariables,
    host,
    pathRoot,
    allowEnv: false,
    functions: newFunctionTables(),
  };

  const packerBlock = checkPackerBlocks(structure.packerBlocks, rootScope);
  diagnostics.push(...packerBlock.diagnostics);

  const variables = collectVariables(structure, options, fileSet.autoVarFiles, rootScope, host);
  diagnostics.push(...variables.diagnostics);
  const withVars: Scope = {
    ...rootScope,
    variables: { ...baseVariables, var: objectValue(variables.values) },
  };

  // Data sources run at build time (and only for trusted templates); until then their values are unknown.
  const dataValues: Record<string, Record<string, Value>> = {};
  for (const decl of structure.dataSources.values()) {
    (dataValues[decl.type] ??= {})[decl.name] =
      options.dataValues?.get(`data.${decl.type}.${decl.name}`) ?? unknownValue();
  }
  const withData: Scope = {
    ...withVars,
    variables: {
      ...withVars.variables,
      data: objectValue(Object.fromEntries(Object.entries(dataValues).map(([t, m]) => [t, objectValue(m)]))),
    },
  };

  const locals = evaluateLocals(structure, withData);
  diagnostics.push(...locals.diagnostics);
  const baseScope: Scope = {
    ...withData,
    variables: { ...withData.variables, local: objectValue(locals.values) },
  };

  const ctx: BuildContext = { structure, baseScope, diagnostics };
  const { plans, blocks } = buildPlans(ctx);

  const sources: ComponentInstance[] = [...structure.sources.values()].map((decl) =>
    makeBuilder({ decl, localName: decl.name, refRange: decl.block.range }, ctx, ''),
  );
  const variableInfos: VariableInfo[] = variables.infos;
  const localInfos: LocalInfo[] = [...structure.locals.values()]
    .map((l) => ({
      name: l.name,
      display: locals.sensitive.has(l.name)
        ? '<sensitive>'
        : display(locals.values[l.name] ?? unknownValue()),
      sensitive: locals.sensitive.has(l.name),
      range: l.range,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  return {
    format: 'hcl',
    path,
    files: fileNames,
    description: undefined,
    variables: variableInfos,
    locals: localInfos,
    sources,
    dataSources: dataSourceInstances(structure, baseScope),
    buildBlocks: blocks,
    builds: plans,
    requiredPlugins: packerBlock.plugins,
    hcl: { scope: baseScope },
    // Logs mask these texts: sensitive variables' and sensitive locals' (`local "x" { sensitive = true }`).
    sensitiveValues: [
      ...variables.sensitiveValues,
      ...[...locals.sensitive].flatMap((name) =>
        collectStrings(locals.values[name] ?? unknownValue()).filter((s) => s !== ''),
      ),
    ],
    diagnostics,
  };
}
