/**
 * Loads a legacy JSON template as Packer does (packer-plugin-sdk template/parse.go + template.go and
 * packer/core.go): parse stage, validate stage, variables, builds. Never throws: every problem is a
 * Diagnostic with Packer's wording and the range of the offending key or value.
 */
import { type Node as JsonNode, parseTree, type ParseError } from 'jsonc-parser';
import type { ConfigObject, ConfigRanges, ConfigValue } from '../config';
import type { TemplateHost } from '../host';
import type {
  BuildPlan,
  ComponentInstance,
  LoadedTemplate,
  PostProcessorInstance,
  ProvisionerInstance,
  ResolvedConfig,
  RuntimeVars,
  VariableInfo,
} from '../model';
import { type Diagnostic, type Range, SourceText, warning } from '../source';
import { PACKER_COMPAT_VERSION } from '../../version';
import { type InterpolationContext, InterpolationError, render, renderOnce } from '../gotemplate/interpolate';
import {
  type DecodeError,
  type JsonValue,
  decodeBoolPointer,
  decodeDuration,
  decodeMap,
  decodeString,
  decodeStringSlice,
  goKind,
  goTypeOf,
  goV,
  mapstructureMessage,
  nodeValue,
  properties,
} from './decode';
import { PARSE_SUMMARY, type PackerJsonStage, VALIDATE_SUMMARY, jsonError } from './diagnostics';
import { checkGoJson, packerJsonSyntaxMessage } from './syntax';
import { compareVersions, parseGoVersion } from './version';

export interface JsonLoadOptions {
  /** `-var name=value`, in command-line order (later wins; -var always beats -var-file). */
  vars: [string, string][];
  /** `-var-file` paths, in command-line order (later wins). */
  varFiles: string[];
}

type Props = Map<string, { key: JsonNode; value: JsonNode }>;

/** A builder as parsed. */
export interface JsonBuilder {
  index: number;
  node: JsonNode;
  name: string;
  type: string;
  typeNode?: JsonNode;
  nameNode?: JsonNode;
  props: Props;
}

interface OnlyExcept {
  only: { value: string; node: JsonNode }[];
  except: { value: string; node: JsonNode }[];
  onlyKey?: JsonNode;
  exceptKey?: JsonNode;
}

export interface JsonProvisioner extends OnlyExcept {
  /** 1-based number in Packer's messages; 0 for the error-cleanup-provisioner. */
  number: number;
  node: JsonNode;
  type: string;
  typeNode?: JsonNode;
  override?: Props;
  overrideKey?: JsonNode;
  pauseBefore: number;
  maxRetries: string;
  maxRetriesNode?: JsonNode;
  timeout: number;
  props: Props;
}

export interface JsonPostProcessor extends OnlyExcept {
  chain: number;
  position: number;
  node: JsonNode;
  type: string;
  typeNode: JsonNode;
  name: string;
  keepInputArtifact?: boolean;
  props: Props;
}

export interface JsonVariable {
  name: string;
  keyNode: JsonNode;
  valueNode: JsonNode;
  /** The default as written ('' when null). */
  default: string;
  required: boolean;
  sensitive: boolean;
}

/** What `inspect` and `hcl2_upgrade` need beyond the common model. */
export interface JsonTemplateDetails {
  text: string;
  description: string;
  minVersion: string;
  variables: JsonVariable[];
  builders: JsonBuilder[];
  provisioners: JsonProvisioner[];
  cleanupProvisioner?: JsonProvisioner;
  postProcessors: JsonPostProcessor[][];
  /** The user variables after -var/-var-file and rendering (what `{{user}}` returns). */
  userVariables: Record<string, string>;
  /** Whether the parse stage succeeded (Packer would go on to build a Template). */
  parsed: boolean;
}

export interface LoadedJsonTemplate extends LoadedTemplate {
  format: 'json';
  json: JsonTemplateDetails;
  host: TemplateHost;
}

const ROOT_KEYS: Record<
  string,
  { field: string; kind: 'string' | 'slice' | 'map' | 'any' | 'comments' | 'strings' }
> = {
  min_packer_version: { field: 'min_packer_version', kind: 'string' },
  description: { field: 'Description', kind: 'string' },
  builders: { field: 'builders', kind: 'slice' },
  comments: { field: 'Comments', kind: 'comments' },
  push: { field: 'Push', kind: 'map' },
  'post-processors': { field: 'post-processors', kind: 'slice' },
  provisioners: { field: 'Provisioners', kind: 'slice' },
  'error-cleanup-provisioner': { field: 'error-cleanup-provisioner', kind: 'any' },
  variables: { field: 'Variables', kind: 'map' },
  'sensitive-variables': { field: 'sensitive-variables', kind: 'strings' },
};

/** Renders `{{ .X }}` / `{{.X}}` untouched while rendering variables, as Packer's RenderRegex does. */
const TEMPLATE_VARIABLE_FILTER = /{{(\s|)\.(.*?)(\s|)}}/g;
const USER_CALL = /{{\s*user\s*`.*`\s*}}/;

class JsonLoader {
  readonly src: SourceText;
  readonly diagnostics: Diagnostic[] = [];
  readonly files: string[];
  root?: JsonNode;
  description = '';
  minVersion = '';
  minVersionNode?: JsonNode;
  builders: JsonBuilder[] = [];
  buildersNode?: JsonNode;
  builderErrors = false;
  provisioners: JsonProvisioner[] = [];
  cleanup?: JsonProvisioner;
  postProcessors: JsonPostProcessor[][] = [];
  variables: JsonVariable[] = [];
  parseStageOk = true;
  userVariables: Record<string, string> = {};
  cliVariables = new Map<string, string>();

  constructor(
    readonly path: string,
    text: string,
    readonly options: JsonLoadOptions,
    readonly host: TemplateHost,
  ) {
    this.src = new SourceText(path, text);
    this.files = [path];
  }

  range(node: JsonNode | undefined): Range | undefined {
    if (!node) return undefined;
    return this.src.range(node.offset, node.offset + node.length);
  }

  error(
    stage: PackerJsonStage,
    detail: string,
    node: JsonNode | undefined,
    group?: string,
    packerMessage?: string,
  ): void {
    const summary =
      stage === 'parse' ||
      stage === 'syntax' ||
      stage === 'duplicate' ||
      stage === 'root-decode' ||
      stage === 'comment' ||
      stage === 'root-key'
        ? PARSE_SUMMARY
        : VALIDATE_SUMMARY;
    if (['syntax', 'duplicate', 'root-decode', 'comment', 'root-key', 'parse'].includes(stage))
      this.parseStageOk = false;
    this.diagnostics.push(
      jsonError(summary, detail, this.range(node), {
        stage,
        message: packerMessage ?? detail,
        ...(group ? { group } : {}),
      }),
    );
  }

  load(): void {
    this.readVarFiles();
    const text = this.src.text;
    const syntax = checkGoJson(text);
    if (syntax) {
      const message = packerJsonSyntaxMessage(text, syntax);
      const end = Math.min(text.length, syntax.offset + (syntax.offset < text.length ? 1 : 0));
      this.parseStageOk = false;
      this.diagnostics.push(
        jsonError(PARSE_SUMMARY, message, this.src.range(syntax.offset, end), { stage: 'syntax', message }),
      );
      return;
    }
    const errors: ParseError[] = [];
    const root = parseTree(text, errors, {
      disallowComments: true,
      allowTrailingComma: false,
      allowEmptyContent: false,
    });
    if (!root || errors.length > 0) {
      // Go accepted the text but jsonc-parser did not (it should not happen): report it rather than guess.
      this.error('syntax', 'Error parsing JSON: the document could not be read', root);
      return;
    }
    this.root = root;
    this.checkDuplicates(root);
    this.parseRoot(root);
  }

  /** Packer's checkForDuplicateFields, at every depth; Kiln reports every duplicate, not only the first. */
  private checkDuplicates(node: JsonNode): void {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (!k) continue;
        const key = k.value as string;
        if (seen.has(key)) this.error('duplicate', `template has duplicate field: ${key}`, k);
        seen.add(key);
        if (v) this.checkDuplicates(v);
      }
    } else if (node.type === 'array') {
      for (const child of node.children ?? []) this.checkDuplicates(child);
    }
  }

  private parseRoot(root: JsonNode): void {
    if (root.type === 'null') return;
    if (root.type !== 'object') {
      this.error('root-decode', `'' expected a map, got '${goKind(root)}'`, root, 'root-not-object');
      return;
    }
    const props = properties(root);
    const decodeFailed = new Set<string>();
    // mapstructure decodes the known root keys first (strictly); Packer stops there on any error.
    for (const [key, { value }] of props) {
      const spec = ROOT_KEYS[key];
      if (!spec) continue;
      const lines: { message: string; node: JsonNode }[] = [];
      switch (spec.kind) {
        case 'string':
          if (value.type !== 'string' && value.type !== 'null') {
            lines.push({
              message: `'${spec.field}' expected type 'string', got unconvertible type '${goTypeOf(value)}', value: '${goV(nodeValue(value))}'`,
              node: value,
            });
          }
          break;
        case 'slice':
          if (value.type !== 'array' && value.type !== 'null') {
            lines.push({
              message: `'${spec.field}': source data must be an array or slice, got ${goKind(value)}`,
              node: value,
            });
          }
          break;
        case 'map':
          if (value.type !== 'object' && value.type !== 'null') {
            lines.push({ message: `'${spec.field}' expected a map, got '${goKind(value)}'`, node: value });
          }
          break;
        case 'strings': {
          const errs: DecodeError[] = [];
          decodeStringSlice(spec.field, value, false, errs);
          lines.push(...errs);
          break;
        }
        case 'comments':
          if (value.type !== 'array' && value.type !== 'null') {
            lines.push({
              message: `'${spec.field}': source data must be an array or slice, got ${goKind(value)}`,
              node: value,
            });
          } else if (value.type === 'array') {
            (value.children ?? []).forEach((c, i) => {
              if (c.type !== 'object' && c.type !== 'null') {
                lines.push({ message: `'${spec.field}[${i}]' expected a map, got '${goKind(c)}'`, node: c });
              } else if (c.type === 'object') {
                for (const [k, p] of properties(c)) {
                  const errs: DecodeError[] = [];
                  decodeString(`${spec.field}[${i}][${k}]`, p.value, false, errs);
                  lines.push(...errs);
                }
              }
            });
          }
          break;
      }
      for (const l of lines) {
        decodeFailed.add(key);
        this.error('root-decode', l.message, l.node, 'root', mapstructureMessage([l.message]));
      }
    }

    // Unknown root keys and `_` comments.
    const unknown = [...props.keys()].filter((k) => !ROOT_KEYS[k]).sort();
    for (const key of unknown) {
      const { key: keyNode, value } = props.get(key)!;
      if (key.startsWith('_')) {
        if (value.type !== 'string') {
          this.error(
            'comment',
            `Failed to cast root level comment value in comment "${key}" to string.`,
            value,
          );
        }
        continue;
      }
      this.error('root-key', `Unknown root level key in template: '${key}'`, keyNode);
    }

    const get = (key: string) => (decodeFailed.has(key) ? undefined : props.get(key));
    const description = get('description')?.value;
    if (description?.type === 'string') this.description = description.value as string;
    const minVersion = get('min_packer_version')?.value;
    if (minVersion?.type === 'string') {
      this.minVersion = minVersion.value as string;
      this.minVersionNode = minVersion;
    }
    const sensitive = new Set<string>();
    const sv = get('sensitive-variables')?.value;
    if (sv?.type === 'array')
      for (const c of sv.children ?? []) if (c.type === 'string') sensitive.add(c.value as string);
    const vars = get('variables')?.value;
    if (vars?.type === 'object') this.parseVariables(vars, sensitive);
    const builders = get('builders');
    this.buildersNode = builders?.key;
    if (builders?.value.type === 'array') this.parseBuilders(builders.value);
    const pps = get('post-processors')?.value;
    if (pps?.type === 'array') this.parsePostProcessors(pps);
    const provs = get('provisioners')?.value;
    if (provs?.type === 'array') {
      (provs.children ?? []).forEach((p, i) => {
        const parsed = this.parseProvisioner(p, i + 1, `provisioner ${i + 1}: `);
        if (parsed) this.provisioners.push(parsed);
      });
    }
    const cleanup = get('error-cleanup-provisioner')?.value;
    if (cleanup && cleanup.type !== 'null') {
      this.cleanup = this.parseProvisioner(cleanup, 0, 'On Error Cleanup Provisioner error: ');
    }
  }

  private parseVariables(vars: JsonNode, sensitive: Set<string>): void {
    for (const [name, { key, value }] of properties(vars)) {
      if (value.type !== 'string' && value.type !== 'null') {
        this.error(
          'parse',
          `variable ${name}: '' expected type 'string', got unconvertible type '${goTypeOf(value)}', value: '${goV(nodeValue(value))}'`,
          value,
        );
        continue;
      }
      this.variables.push({
        name,
        keyNode: key,
        valueNode: value,
        default: value.type === 'string' ? (value.value as string) : '',
        required: value.type === 'null',
        sensitive: sensitive.has(name),
      });
    }
  }

  private parseBuilders(list: JsonNode): void {
    const names = new Set<string>();
    (list.children ?? []).forEach((node, i) => {
      const n = i + 1;
      if (node.type === 'null') {
        // mapstructure leaves an empty builder: no type.
        this.builderErrors = true;
        this.error('parse', `builder ${n}: missing 'type'`, node);
        return;
      }
      if (node.type !== 'object') {
        this.builderErrors = true;
        this.error('parse', `builder ${n}: '' expected a map, got '${goKind(node)}'`, node);
        return;
      }
      const props = properties(node);
      const errs: DecodeError[] = [];
      const typeP = props.get('type');
      const nameP = props.get('name');
      const type = typeP ? decodeString('Type', typeP.value, true, errs) : '';
      const name = nameP ? decodeString('Name', nameP.value, true, errs) : '';
      if (errs.length) {
        this.builderErrors = true;
        const msg = `builder ${n}: ${mapstructureMessage(errs.map((e) => e.message))}`;
        for (const e of errs) this.error('parse', msg, e.node, `builder ${n}`);
        return;
      }
      if (!type) {
        this.builderErrors = true;
        this.error('parse', `builder ${n}: missing 'type'`, typeP?.value ?? node);
        return;
      }
      const finalName = name || type;
      if (names.has(finalName)) {
        this.builderErrors = true;
        this.error(
          'parse',
          `builder ${n}: builder with name '${finalName}' already exists`,
          nameP?.value ?? typeP?.value ?? node,
        );
        return;
      }
      names.add(finalName);
      const config = new Map(props);
      config.delete('name');
      config.delete('type');
      this.builders.push({
        index: i,
        node,
        name: finalName,
        type: type!,
        typeNode: typeP?.value,
        nameNode: nameP?.value,
        props: config,
      });
    });
  }

  private parseOnlyExcept(
    props: Props,
    weak: boolean,
    errs: DecodeError[],
    names: [string, string],
  ): OnlyExcept {
    const onlyP = props.get('only');
    const exceptP = props.get('except');
    return {
      only: onlyP ? decodeStringSlice(names[0], onlyP.value, weak, errs) : [],
      except: exceptP ? decodeStringSlice(names[1], exceptP.value, weak, errs) : [],
      onlyKey: onlyP?.key,
      exceptKey: exceptP?.key,
    };
  }

  private parseProvisioner(node: JsonNode, number: number, prefix: string): JsonProvisioner | undefined {
    const group = prefix.trim();
    if (node.type !== 'object') {
      this.error(
        'parse',
        `${prefix}Error decoding provisioner: '' expected a map, got '${goKind(node)}'`,
        node,
      );
      return undefined;
    }
    const props = properties(node);
    const errs: DecodeError[] = [];
    const typeP = props.get('type');
    const type = typeP ? decodeString('Type', typeP.value, true, errs) : '';
    const oe = this.parseOnlyExcept(props, true, errs, ['Only', 'Except']);
    const overrideP = props.get('override');
    const override = overrideP ? decodeMap('Override', overrideP.value, true, errs) : undefined;
    const pbP = props.get('pause_before');
    const pauseBefore = pbP ? decodeDuration('pause_before', pbP.value, true, errs) : 0;
    const mrP = props.get('max_retries');
    const maxRetries = mrP ? decodeString('max_retries', mrP.value, true, errs) : '';
    const toP = props.get('timeout');
    const timeout = toP ? decodeDuration('timeout', toP.value, true, errs) : 0;
    if (errs.length) {
      const msg = `${prefix}Error decoding provisioner: ${mapstructureMessage(errs.map((e) => e.message))}`;
      for (const e of errs) this.error('parse', msg, e.node, group);
      return undefined;
    }
    if (!type) {
      this.error('parse', `${prefix}Provisioner missing 'type'`, typeP?.value ?? node);
      return undefined;
    }
    const config = new Map(props);
    for (const k of ['except', 'only', 'override', 'pause_before', 'max_retries', 'type', 'timeout'])
      config.delete(k);
    return {
      number,
      node,
      type: type!,
      typeNode: typeP?.value,
      ...oe,
      override,
      overrideKey: overrideP?.key,
      pauseBefore,
      maxRetries: maxRetries ?? '',
      maxRetriesNode: mrP?.value,
      timeout,
      props: config,
    };
  }

  private parsePostProcessors(list: JsonNode): void {
    (list.children ?? []).forEach((entry, i) => {
      let configs: JsonNode[];
      if (entry.type === 'string' || entry.type === 'object') configs = [entry];
      else if (entry.type === 'array') {
        configs = [];
        let bad = false;
        (entry.children ?? []).forEach((inner, j) => {
          if (inner.type === 'string' || inner.type === 'object') configs.push(inner);
          else {
            bad = true;
            const what =
              inner.type === 'array' ? 'sequence not allowed to be nested in a sequence' : 'unknown format';
            this.error('parse', `post-processor ${i + 1}.${j + 1}: ${what}`, inner);
          }
        });
        if (bad) return;
      } else {
        this.error('parse', `post-processor ${i + 1}: bad format`, entry);
        return;
      }
      const chain: JsonPostProcessor[] = [];
      configs.forEach((c, j) => {
        const label = `post-processor ${i + 1}.${j + 1}`;
        if (c.type === 'string') {
          const type = c.value as string;
          if (!type) {
            this.error('parse', `${label}: type is required`, c);
            return;
          }
          chain.push({
            chain: i,
            position: j,
            node: c,
            type,
            typeNode: c,
            name: type,
            only: [],
            except: [],
            props: new Map(),
          });
          return;
        }
        const props = properties(c);
        const errs: DecodeError[] = [];
        const typeP = props.get('type');
        const nameP = props.get('name');
        const type = typeP ? decodeString('Type', typeP.value, false, errs) : '';
        const name = nameP ? decodeString('Name', nameP.value, false, errs) : '';
        const oe = this.parseOnlyExcept(props, false, errs, ['Only', 'Except']);
        const kiaP = props.get('keep_input_artifact');
        const kia = kiaP ? decodeBoolPointer('keep_input_artifact', kiaP.value, errs) : undefined;
        if (errs.length) {
          const msg = `${label}: ${mapstructureMessage(errs.map((e) => e.message))}`;
          for (const e of errs) this.error('parse', msg, e.node, label);
          return;
        }
        if (!type) {
          this.error('parse', `${label}: type is required`, typeP?.value ?? c);
          return;
        }
        const config = new Map(props);
        for (const k of ['except', 'only', 'keep_input_artifact', 'type', 'name']) config.delete(k);
        chain.push({
          chain: i,
          position: j,
          node: c,
          type: type!,
          typeNode: typeP!.value,
          name: name || type!,
          ...oe,
          ...(kia !== undefined ? { keepInputArtifact: kia } : {}),
          props: config,
        });
      });
      this.postProcessors.push(chain);
    });
  }

  // --- validate stage (Template.Validate + Core.validate)

  validate(): void {
    if (!this.root) return;
    const names = new Set(this.builders.map((b) => b.name));
    if (this.builders.length === 0 && !this.builderErrors) {
      this.error('validate', 'at least one builder must be defined', this.buildersNode ?? this.root);
    }
    // Names of builders that failed to parse are unknown: do not report only/except against them.
    const checkNames = !this.builderErrors;
    const checkOnlyExcept = (oe: OnlyExcept, label: string) => {
      if (oe.only.length > 0 && oe.except.length > 0) {
        this.error('validate', `${label}: only one of 'only' or 'except' may be specified`, oe.exceptKey);
        return;
      }
      if (!checkNames) return;
      for (const o of oe.only) {
        if (!names.has(o.value))
          this.error('validate', `${label}: 'only' specified builder '${o.value}' not found`, o.node);
      }
      for (const o of oe.except) {
        if (!names.has(o.value))
          this.error('validate', `${label}: 'except' specified builder '${o.value}' not found`, o.node);
      }
    };
    for (const p of this.provisioners) {
      checkOnlyExcept(p, `provisioner ${p.number}`);
      if (checkNames && p.override) {
        for (const [name, { key }] of p.override) {
          if (!names.has(name))
            this.error('validate', `provisioner ${p.number}: override '${name}' doesn't exist`, key);
        }
      }
    }
    for (const chain of this.postProcessors) {
      for (const pp of chain) checkOnlyExcept(pp, `post-processor ${pp.chain + 1}.${pp.position + 1}`);
    }

    if (this.minVersion) {
      const min = parseGoVersion(this.minVersion);
      if ('error' in min)
        this.error('min-version', `min_version is invalid: ${min.error}`, this.minVersionNode);
      else {
        const actual = parseGoVersion(PACKER_COMPAT_VERSION);
        if (!('error' in actual) && compareVersions(actual, min) < 0) {
          this.error(
            'min-version',
            `This template requires Packer version ${min.text} or higher; using ${actual.text}`,
            this.minVersionNode,
          );
        }
      }
    }
  }

  // --- variables (-var, -var-file, rendering)

  private readVarFiles(): void {
    for (const file of this.options.varFiles) {
      this.files.push(file);
      let text: string;
      try {
        text = this.host.readFile(file);
      } catch (e) {
        this.diagnostics.push(
          jsonError('Failed to read variable file', (e as Error).message, undefined, {
            stage: 'var-file',
            message: (e as Error).message,
          }),
        );
        continue;
      }
      const fileSrc = new SourceText(file, text);
      const fail = (msg: string, offset = 0, end = offset) => {
        const message = `Error reading variables in '${file}': ${msg}`;
        this.diagnostics.push(
          jsonError('Failed to read variable file', message, fileSrc.range(offset, end), {
            stage: 'var-file',
            message,
          }),
        );
      };
      if (text.trim() === '') {
        fail('EOF');
        continue;
      }
      // json.Decoder reads the first value only; anything after it is ignored.
      const syntax = checkGoJson(text);
      const errors: ParseError[] = [];
      const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
      if (syntax && (!root || syntax.offset <= root.offset + root.length)) {
        fail(
          syntax.message === 'unexpected end of JSON input' ? 'unexpected EOF' : syntax.message,
          syntax.offset,
          syntax.offset + 1,
        );
        continue;
      }
      if (!root) {
        fail('EOF');
        continue;
      }
      if (root.type === 'null') continue;
      if (root.type !== 'object') {
        fail(
          `json: cannot unmarshal ${jsonTypeWord(root)} into Go value of type kvflag.FlagJSON`,
          root.offset,
          root.offset + root.length,
        );
        continue;
      }
      let bad = false;
      const values = new Map<string, string>();
      for (const [k, { value }] of properties(root)) {
        if (value.type === 'string') values.set(k, value.value as string);
        else if (value.type === 'null') values.set(k, '');
        else if (!bad) {
          bad = true;
          fail(
            `json: cannot unmarshal ${jsonTypeWord(value)} into Go value of type string`,
            value.offset,
            value.offset + value.length,
          );
        }
      }
      if (!bad) for (const [k, v] of values) this.cliVariables.set(k, v);
    }
    // -var beats every -var-file whatever the order; among -var, the last one wins.
    for (const [k, v] of this.options.vars) this.cliVariables.set(k, v);
  }

  /** Core.validate's required-variable check and Core.init's renderVarsRecursively. */
  resolveVariables(): void {
    for (const v of this.variables) {
      if (v.required && !this.cliVariables.has(v.name)) {
        this.error('required', `required variable not set: ${v.name}`, v.keyNode);
      }
    }
    const values: Record<string, string> = Object.fromEntries(this.cliVariables);
    const repeat = new Map<string, string>();
    for (const v of this.variables) repeat.set(v.name, v.default);
    for (const [k, v] of this.cliVariables) repeat.set(k, v);
    let pending = [...repeat.keys()].sort().map((k) => ({ key: k, value: repeat.get(k)! }));
    const ctx: InterpolationContext = {
      host: this.host,
      enableEnv: true,
      userVariables: values,
      templatePath: this.path,
    };
    let changed = false;
    let shouldRetry = true;
    let failed = '';
    const nodeOf = (key: string) => this.variables.find((v) => v.name === key)?.valueNode;
    for (let i = 0; i < 100; i++) {
      shouldRetry = false;
      changed = false;
      const done: string[] = [];
      for (const kv of pending) {
        try {
          values[kv.key] = renderExcluding(kv.value, ctx);
          changed = true;
          if (USER_CALL.test(kv.value)) shouldRetry = true;
          else done.push(kv.key);
        } catch (e) {
          if (!(e instanceof InterpolationError)) throw e;
          if (e.phase === 'exec' && e.message.includes('Error: variable not set:')) {
            shouldRetry = true;
            failed = `"${kv.key}": "${kv.value}"; error: ${e.message}`;
          } else if (e.phase === 'exec') {
            this.error('init', e.message, nodeOf(kv.key));
            done.push(kv.key);
          } else {
            this.error(
              'init',
              `error interpolating default value for '${kv.key}': ${e.message}`,
              nodeOf(kv.key),
            );
            done.push(kv.key);
          }
        }
      }
      if (!shouldRetry) break;
      pending = pending.filter((kv) => !done.includes(kv.key));
    }
    if (!changed && shouldRetry) {
      const key = /^"([^"]*)"/.exec(failed)?.[1] ?? '';
      this.error(
        'init',
        `Failed to interpolate ${failed}: Please make sure that the variable you're referencing has been defined; Packer treats all variables used to interpolate other user variables as required.`,
        nodeOf(key),
      );
    }
    this.userVariables = values;
  }

  /** The context Packer's Core renders build names and max_retries with. */
  coreContext(): InterpolationContext {
    return { host: this.host, userVariables: this.userVariables, templatePath: this.path };
  }
}

/** Packer's RenderRegex with the `{{ .X }}` filter: template variables survive variable rendering. */
function renderExcluding(value: string, ctx: InterpolationContext): string {
  const excluded = new Map<string, string>();
  let n = 0;
  const masked = value.replace(TEMPLATE_VARIABLE_FILTER, (m) => {
    const id = `\u0000kiln-excluded-${n++}\u0000`;
    excluded.set(id, m);
    return id;
  });
  let rendered = renderOnce(masked, ctx);
  for (const [id, m] of excluded) rendered = rendered.split(id).join(m);
  return rendered;
}

function jsonTypeWord(node: JsonNode): string {
  switch (node.type) {
    case 'array':
      return 'array';
    case 'object':
      return 'object';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'string';
  }
}

// --- the model

function toConfigValue(v: JsonValue): ConfigValue {
  return v as ConfigValue;
}

function collectRanges(loader: JsonLoader, node: JsonNode, prefix: string, ranges: ConfigRanges): void {
  if (node.type === 'object') {
    for (const [k, { key, value }] of properties(node)) {
      const path = prefix ? `${prefix}.${k}` : k;
      ranges.keys[path] = loader.range(key)!;
      ranges.values[path] = loader.range(value)!;
      collectRanges(loader, value, path, ranges);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((c, i) => {
      const path = prefix ? `${prefix}.${i}` : String(i);
      ranges.values[path] = loader.range(c)!;
      collectRanges(loader, c, path, ranges);
    });
  }
}

function locatedConfig(loader: JsonLoader, block: JsonNode, parts: Props[]): ResolvedConfig {
  const config: ConfigObject = {};
  const ranges: ConfigRanges = { block: loader.range(block)!, keys: {}, values: {} };
  for (const props of parts) {
    for (const [k, { key, value }] of props) {
      config[k] = toConfigValue(nodeValue(value));
      // A later part (an override) replaces the key, and its nested ranges.
      for (const map of [ranges.keys, ranges.values]) {
        for (const p of Object.keys(map)) if (p === k || p.startsWith(`${k}.`)) delete map[p];
      }
      ranges.keys[k] = loader.range(key)!;
      ranges.values[k] = loader.range(value)!;
      collectRanges(loader, value, k, ranges);
    }
  }
  return { config, ranges, diagnostics: [] };
}

function skip(oe: OnlyExcept, name: string): boolean {
  if (oe.only.length > 0) return !oe.only.some((o) => o.value === name);
  if (oe.except.length > 0) return oe.except.some((o) => o.value === name);
  return false;
}

function provisionerInstance(loader: JsonLoader, p: JsonProvisioner, address: string): ProvisionerInstance {
  if (p.pauseBefore !== 0 && p.timeout !== 0) {
    const key = properties(p.node).get('timeout')?.key;
    loader.diagnostics.push(
      warning(
        'timeout is ignored',
        `${p.number === 0 ? 'error-cleanup-provisioner' : `provisioner ${p.number}`}: Packer ignores 'timeout' when 'pause_before' is set; the provisioner runs without a time limit.`,
        loader.range(key),
      ),
    );
  }
  let maxRetries = 0;
  if (p.maxRetries !== '') {
    try {
      const rendered = render(p.maxRetries, loader.coreContext());
      if (!/^[+-]?\d+$/.test(rendered)) {
        loader.error(
          'init',
          `\`max_retries\` must be a valid integer: strconv.Atoi: parsing ${JSON.stringify(rendered)}: invalid syntax`,
          p.maxRetriesNode,
        );
      } else maxRetries = Number(rendered);
    } catch (e) {
      if (!(e instanceof InterpolationError)) throw e;
      loader.error('init', `failed to interpolate \`max_retries\`: ${e.message}`, p.maxRetriesNode);
    }
  }
  return {
    kind: 'provisioner',
    type: p.type,
    name: p.type,
    address,
    range: loader.range(p.node)!,
    typeRange: loader.range(p.typeNode ?? p.node)!,
    pauseBefore: Math.round(p.pauseBefore / 1e6),
    maxRetries,
    // Packer wraps a provisioner in its pause or, only when there is no pause, in its timeout.
    timeout: p.pauseBefore !== 0 ? 0 : Math.round(p.timeout / 1e6),
    resolve(runtime: RuntimeVars): ResolvedConfig {
      const override = p.override?.get(runtime.sourceName);
      const parts: Props[] = [p.props];
      if (override && override.value.type === 'object') parts.push(properties(override.value));
      return locatedConfig(loader, p.node, parts);
    },
  };
}

/** Loads a JSON template: parse, validate, variables and builds, with every diagnostic. */
export function loadJsonTemplate(
  path: string,
  text: string,
  options: JsonLoadOptions,
  host: TemplateHost,
): LoadedJsonTemplate {
  const loader = new JsonLoader(path, text, options, host);
  loader.load();
  loader.validate();
  loader.resolveVariables();

  const sources: ComponentInstance[] = loader.builders.map((b) => ({
    kind: 'builder',
    type: b.type,
    name: b.name,
    address: `builders[${b.index}]`,
    range: loader.range(b.node)!,
    typeRange: loader.range(b.typeNode ?? b.node)!,
    resolve: () => locatedConfig(loader, b.node, [b.props]),
  }));
  const provisioners = loader.provisioners.map((p) =>
    provisionerInstance(loader, p, `provisioners[${p.number - 1}]`),
  );
  const cleanup = loader.cleanup
    ? provisionerInstance(loader, loader.cleanup, 'error-cleanup-provisioner')
    : undefined;
  const postProcessors: { pp: JsonPostProcessor; instance: PostProcessorInstance }[][] =
    loader.postProcessors.map((chain) =>
      chain.map((pp) => ({
        pp,
        instance: {
          kind: 'post-processor',
          type: pp.type,
          name: pp.name,
          address: `post-processors[${pp.chain}][${pp.position}]`,
          range: loader.range(pp.node)!,
          typeRange: loader.range(pp.typeNode)!,
          ...(pp.keepInputArtifact !== undefined ? { keepInputArtifact: pp.keepInputArtifact } : {}),
          resolve: () => locatedConfig(loader, pp.node, [pp.props]),
        },
      })),
    );

  // Builds: one per builder, named by its interpolated name, in Packer's (sorted) order.
  const builds: BuildPlan[] = [];
  loader.builders.forEach((b, i) => {
    let name = b.name;
    try {
      name = render(b.name, loader.coreContext());
    } catch (e) {
      if (!(e instanceof InterpolationError)) throw e;
      loader.error('init', `Error interpolating builder '${b.name}': ${e.message}`, b.nameNode ?? b.typeNode);
    }
    builds.push({
      name,
      builderType: b.type,
      sourceName: b.name,
      buildBlockName: '',
      builder: sources[i],
      provisioners: provisioners.filter((_, j) => !skip(loader.provisioners[j], b.name)),
      ...(cleanup ? { errorCleanupProvisioner: cleanup } : {}),
      postProcessors: postProcessors
        .map((chain) => chain.filter(({ pp }) => !skip(pp, b.name)).map(({ instance }) => instance))
        .filter((chain) => chain.length > 0),
    });
  });
  builds.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const variables: VariableInfo[] = loader.variables.map((v) => ({
    name: v.name,
    displayName: v.name,
    display: loader.userVariables[v.name] ?? v.default,
    sensitive: v.sensitive,
    required: v.required && !loader.cliVariables.has(v.name),
    range: loader.range(v.keyNode),
  }));
  const sensitiveValues = [
    ...new Set(loader.variables.filter((v) => v.sensitive).map((v) => loader.userVariables[v.name] ?? '')),
  ].filter((s) => s !== '');

  return {
    format: 'json',
    path,
    files: loader.files,
    ...(loader.description ? { description: loader.description } : {}),
    ...(loader.minVersion ? { minPackerVersion: loader.minVersion } : {}),
    variables,
    locals: [],
    sources,
    dataSources: [],
    buildBlocks: [
      {
        name: '',
        ...(loader.description ? { description: loader.description } : {}),
        sources: loader.builders.map((b) => b.name),
        provisioners,
        ...(cleanup ? { errorCleanupProvisioner: cleanup } : {}),
        postProcessors: postProcessors.map((chain) => chain.map(({ instance }) => instance)),
      },
    ],
    builds,
    sensitiveValues,
    diagnostics: loader.diagnostics,
    host,
    json: {
      text,
      description: loader.description,
      minVersion: loader.minVersion,
      variables: loader.variables,
      builders: loader.builders,
      provisioners: loader.provisioners,
      ...(loader.cleanup ? { cleanupProvisioner: loader.cleanup } : {}),
      postProcessors: loader.postProcessors,
      userVariables: loader.userVariables,
      parsed: loader.parseStageOk,
    },
  };
}

/**
 * The interpolation context for rendering a component's config strings of one build, as Packer's
 * components get it: user variables, build_name = the build's name, build_type = the builder type,
 * template_dir = the template's folder, env not allowed. `data` is the component's own (`.Vars`, …).
 */
export function jsonComponentContext(
  template: LoadedJsonTemplate,
  build: BuildPlan,
  extra: Partial<Pick<InterpolationContext, 'data' | 'funcs' | 'initTime'>> = {},
): InterpolationContext {
  return {
    host: template.host,
    userVariables: template.json.userVariables,
    buildName: build.name,
    buildType: build.builderType,
    templatePath: template.path,
    enableEnv: false,
    ...extra,
  };
}
