/**
 * Turns a component's raw config into its typed config, the way Packer's plugins do it:
 * render `{{ }}` templates, decode (mapstructure's weak typing for JSON, the HCL spec's conversions for
 * HCL2), reject unknown keys, then run the component's Prepare for defaults and validations.
 * Every problem becomes a Diagnostic pointing at the key or value at fault, with Packer's wording.
 */
import {
  UNKNOWN,
  isConfigObject,
  isUnknown,
  type ConfigObject,
  type ConfigValue,
  type LocatedConfig,
  type Unknown,
} from '../config';
import { memoryHost, type TemplateHost } from '../host';
import type { ComponentKind } from '../model';
import type { Diagnostic, Range } from '../source';
import {
  describeFix,
  deprecatedKeyMessage,
  fixForDeprecatedKey,
  isDeprecatedOption,
  type ConfigFix,
} from './deprecated';
import { friendlyTypeName } from './fields';
import {
  formatGoFloatPlain,
  formatGoValue,
  goKindOf,
  goTypeOf,
  nameSuggestion,
  parseGoBool,
  parseGoDurationNs,
  parseGoFloat,
  parseGoInt,
  nsToMs,
} from './go';
import { META_FIELDS } from './meta';
import type { ComponentSchema, Draft, FieldMap, FieldSchema, FieldType, PrepareContext } from './types';

/** What the Go-template engine made of one string: its value, UNKNOWN, or Go's error text. */
export type RenderOutcome = { value: string | Unknown } | { error: string; parse?: boolean };
/** Renders one string of a field that Packer interpolates at Prepare time. */
export type RenderFn = (text: string, fieldPath: string) => RenderOutcome;

export interface DecodeOptions {
  dialect: 'json' | 'hcl';
  /** Go-template rendering of interpolated strings; identity when absent. */
  render?: RenderFn;
  /** Syntax check for strings Packer validates but does not render at Prepare (boot_command, ...). */
  checkTemplate?: (text: string, fieldPath: string) => string | undefined;
  /** File checks and the working directory; a host with no files when absent. */
  host?: TemplateHost;
  /** Packer's build name (`output-<build name>`, `packer-<build name>`); defaults to the type. */
  buildName?: string;
  /** `-force`: an existing output directory is fine. */
  force?: boolean;
  /** Randomness for Packer's random defaults (shell's `script_<n>.sh`); Math.random when absent. */
  random?: () => number;
  /** Keep going to Prepare after decode errors (Packer stops): the editor shows everything at once. */
  collectAll?: boolean;
}

export interface DecodeResult<C> {
  /** The typed, defaulted, validated config: present when there are no errors and no UNKNOWN values. */
  config?: C;
  diagnostics: Diagnostic[];
  /** Where it stopped: type lookup, decoding (types, unknown keys), Prepare, or not at all. */
  stage: 'lookup' | 'decode' | 'prepare' | 'ok';
  /** Quick fixes for deprecated keys. */
  fixes: ConfigFix[];
  /** Packer's own text of the error (what follows `Failed to prepare build: "<name>"`), when it fails. */
  packerError?: string;
  /** Packer's warnings, each as Packer prints it. */
  packerWarnings: string[];
}

type Category = 'types' | 'keys' | 'render' | 'prepare' | 'kiln';
interface Issue {
  diagnostic: Diagnostic;
  category: Category;
  /** Packer's text for this problem (absent for Kiln-only notes). */
  packer?: string;
  /** Sort key for unknown keys (Packer sorts them). */
  sortKey?: string;
  /** Packer returns this error alone, not in a MultiError. */
  bare?: boolean;
}

type Decoded = ConfigValue | Unknown;

const HCL_TYPE_SUMMARY = 'Incorrect attribute value type';

export function decodeWithSchema<C>(
  schema: ComponentSchema<C>,
  located: LocatedConfig,
  options: DecodeOptions,
): DecodeResult<C> {
  return new Decoder(schema as ComponentSchema<unknown>, located, options).run() as DecodeResult<C>;
}

class Decoder {
  private readonly issues: Issue[] = [];
  private readonly fixes: ConfigFix[] = [];
  private readonly raw: ConfigObject;
  private readonly dialect: 'json' | 'hcl';
  /** Keys of the raw config that were written (dotted paths), for `isSet`. */
  private readonly written = new Set<string>();

  constructor(
    private readonly schema: ComponentSchema<unknown>,
    private readonly located: LocatedConfig,
    private readonly options: DecodeOptions,
  ) {
    this.raw = located.config;
    this.dialect = options.dialect;
  }

  run(): DecodeResult<unknown> {
    const draft = this.decodeObject(this.schema.fields as FieldMap, this.raw, '', true);
    const decodeFailed = this.issues.some((i) => i.diagnostic.severity === 'error');
    if (decodeFailed && !this.options.collectAll) return this.result('decode');
    this.prepare(draft);
    const failed = this.issues.some((i) => i.diagnostic.severity === 'error');
    if (failed) return this.result(decodeFailed ? 'decode' : 'prepare');
    const result = this.result('ok');
    if (!containsUnknown(draft)) result.config = draft;
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // Objects and keys

  private decodeObject(
    fields: FieldMap,
    raw: ConfigObject,
    prefix: string,
    topLevel: boolean,
  ): Record<string, Decoded> {
    const out = zeroObject(fields);
    const keys = Object.keys(raw);
    // Which field each raw key feeds: its own name, else (JSON) mapstructure's case-insensitive match
    // with a field no key names exactly.
    const { names } = infoOf(fields);
    let inexact: Map<string, string> | undefined;
    if (this.dialect === 'json' && keys.some((key) => !names.has(key))) {
      inexact = new Map();
      const taken = new Set(keys.filter((key) => names.has(key)));
      for (const key of keys) {
        if (names.has(key)) continue;
        const lower = key.toLowerCase();
        const name = [...names].find((n) => !taken.has(n) && n.toLowerCase() === lower);
        if (name !== undefined) {
          inexact.set(key, name);
          taken.add(name);
        }
      }
    }
    // Source order, so diagnostics read top to bottom.
    for (const key of keys) {
      const name = names.has(key) ? key : inexact?.get(key);
      if (name === undefined) {
        if (!(topLevel && this.isIgnoredKey(key))) this.unknownKey(fields, raw, prefix, key);
        continue;
      }
      if (raw[key] === null) continue;
      const field = fields[name];
      const path = prefix + name;
      this.written.add(path);
      const keyPath = prefix + key;
      const interpolate = field.interpolate !== false;
      if (this.dialect === 'hcl') this.checkHclSyntax(field.type, keyPath, name);
      out[name] = this.decodeValue(field.type, raw[key], {
        path: keyPath,
        goName: keyPath,
        attr: name,
        topKey: topLevel ? key : prefix.split('.')[0],
        interpolate,
        rendered: false,
      });
      if (topLevel && !interpolate && this.options.checkTemplate) this.checkTemplates(raw[key], keyPath, key);
    }
    if (this.dialect === 'hcl') this.checkEmptyDynamicBlocks(fields, raw, prefix, topLevel);
    return out;
  }

  /** `dynamic "T"` blocks that expanded to nothing: Packer still rejects a block type T the schema lacks. */
  private checkEmptyDynamicBlocks(
    fields: FieldMap,
    raw: ConfigObject,
    prefix: string,
    topLevel: boolean,
  ): void {
    const empty = this.located.ranges.emptyBlocks;
    if (!empty) return;
    for (const path of Object.keys(empty)) {
      if (!path.startsWith(prefix)) continue;
      const name = path.slice(prefix.length);
      if (name.includes('.') || name in raw) continue;
      if (Object.hasOwn(fields, name)) this.checkHclSyntax(fields[name].type, path, name);
      else if (!(topLevel && this.isIgnoredKey(name))) this.unknownKey(fields, raw, prefix, name);
    }
  }

  /** Keys the template loader owns (type, name, meta-arguments) and Packer's internal `packer_*`. */
  private isIgnoredKey(key: string): boolean {
    if (key === 'type' || key.startsWith('packer_')) return true;
    if (this.schema.kind === 'builder' && this.dialect === 'json' && key === 'name') return true;
    const meta = META_FIELDS[this.schema.kind];
    return meta !== undefined && key in meta;
  }

  private unknownKey(fields: FieldMap, raw: ConfigObject, prefix: string, key: string): void {
    const path = prefix + key;
    const deprecated = prefix === '' && isDeprecatedOption(this.schema.pluginId, key);
    const fix = deprecated || prefix === '' ? fixForDeprecatedKey(key, raw) : undefined;
    const fixText = fix ? '\n\n' + describeFix(fix) : '';
    if (fix) this.fixes.push(fix);
    if (this.dialect === 'json') {
      const message = deprecated
        ? deprecatedKeyMessage(key)
        : `unknown configuration key: '${JSON.stringify(path)}'`;
      this.push({
        category: 'keys',
        packer: message,
        sortKey: path,
        diagnostic: {
          severity: 'error',
          summary: deprecated ? 'Deprecated configuration key' : 'Unknown configuration key',
          detail: message + fixText,
          range: this.keyRange(path),
        },
      });
      return;
    }
    const asBlock = this.located.ranges.blocks?.[path] === true;
    const names = Object.keys(fields).sort();
    const blockNames = names.filter((n) => isHclBlock(fields[n].type));
    const attrNames = names.filter((n) => !isHclBlock(fields[n].type) && !(n in raw));
    let message: string;
    let summary: string;
    if (asBlock) {
      const suggestion = nameSuggestion(key, blockNames);
      const hint = suggestion
        ? ` Did you mean ${JSON.stringify(suggestion)}?`
        : attrNames.includes(key) || Object.hasOwn(fields, key)
          ? ` Did you mean to define argument ${JSON.stringify(key)}? If so, use the equals sign to assign it a value.`
          : '';
      summary = 'Unsupported block type';
      message = `Blocks of type ${JSON.stringify(key)} are not expected here.${hint}`;
    } else {
      const suggestion = nameSuggestion(key, attrNames);
      const hint = suggestion
        ? ` Did you mean ${JSON.stringify(suggestion)}?`
        : blockNames.includes(key)
          ? ` Did you mean to define a block of type ${JSON.stringify(key)}?`
          : '';
      summary = 'Unsupported argument';
      message = `An argument named ${JSON.stringify(key)} is not expected here.${hint}`;
    }
    if (deprecated) message += ' ' + `"${key}" was removed from Packer.`;
    this.push({
      category: 'keys',
      packer: `${summary}: ${message}`,
      diagnostic: { severity: 'error', summary, detail: message + fixText, range: this.keyRange(path) },
    });
  }

  /** A known key written with the wrong HCL syntax: an attribute for a block, or a block for an attribute. */
  private checkHclSyntax(type: FieldType, path: string, name: string): void {
    const blocks = this.located.ranges.blocks;
    if (!blocks) return;
    const wroteBlock = blocks[path] === true;
    if (isHclBlock(type) && !wroteBlock && !Array.isArray(this.lookupRaw(path))) {
      const message = `An argument named ${JSON.stringify(name)} is not expected here. Did you mean to define a block of type ${JSON.stringify(name)}?`;
      this.push({
        category: 'keys',
        packer: `Unsupported argument: ${message}`,
        diagnostic: {
          severity: 'error',
          summary: 'Unsupported argument',
          detail: message,
          range: this.keyRange(path),
        },
      });
    } else if (!isHclBlock(type) && wroteBlock) {
      const message = `Blocks of type ${JSON.stringify(name)} are not expected here. Did you mean to define argument ${JSON.stringify(name)}? If so, use the equals sign to assign it a value.`;
      this.push({
        category: 'keys',
        packer: `Unsupported block type: ${message}`,
        diagnostic: {
          severity: 'error',
          summary: 'Unsupported block type',
          detail: message,
          range: this.keyRange(path),
        },
      });
    }
  }

  private lookupRaw(path: string): ConfigValue | undefined {
    return this.raw[path];
  }

  // -------------------------------------------------------------------------------------------
  // Values

  private decodeValue(type: FieldType, raw: ConfigValue, at: ValueAt): Decoded {
    if (isUnknown(raw)) return UNKNOWN;
    if (raw === null) return zeroValue(type);
    return this.dialect === 'json' ? this.decodeJson(type, raw, at) : this.decodeHcl(type, raw, at);
  }

  /** Renders a raw string once (Packer renders before it decodes). */
  private render(raw: ConfigValue, at: ValueAt): ConfigValue | Unknown {
    if (typeof raw !== 'string' || !at.interpolate || at.rendered || !this.options.render) return raw;
    const outcome = this.options.render(raw, at.path);
    if ('error' in outcome) {
      const verb = outcome.parse ? 'invalid' : 'render';
      const message = `${verb} '${at.topKey}': ${outcome.error} in:\n\n${raw}`;
      this.push({
        category: 'render',
        packer: message,
        diagnostic: {
          severity: 'error',
          summary: 'Template error',
          detail: message,
          range: this.valueRange(at.path),
        },
      });
      return UNKNOWN;
    }
    return outcome.value;
  }

  private checkTemplates(raw: ConfigValue, path: string, topKey: string): void {
    const check = this.options.checkTemplate;
    if (!check || isUnknown(raw)) return;
    if (typeof raw === 'string') {
      const error = check(raw, path);
      if (error) {
        const message = `invalid '${topKey}': ${error} in:\n\n${raw}`;
        this.push({
          category: 'render',
          packer: message,
          diagnostic: {
            severity: 'error',
            summary: 'Template error',
            detail: message,
            range: this.valueRange(path),
          },
        });
      }
    } else if (Array.isArray(raw))
      raw.forEach((item, i) => this.checkTemplates(item, `${path}.${i}`, topKey));
    else if (isConfigObject(raw)) {
      for (const [k, v] of Object.entries(raw)) this.checkTemplates(v, `${path}.${k}`, topKey);
    }
  }

  // mapstructure with WeaklyTypedInput and Packer's decode hooks.
  private decodeJson(type: FieldType, input: ConfigValue, at: ValueAt): Decoded {
    const raw = this.render(input, at);
    if (isUnknown(raw)) return UNKNOWN;
    if (raw === null) return zeroValue(type);
    const name = at.goName;
    const fail = (message: string): Decoded => {
      this.typeError(message, at.path);
      return UNKNOWN;
    };
    const unconvertible = (goType: string) =>
      fail(
        `'${name}' expected type '${goType}', got unconvertible type '${goTypeOf(raw)}', value: '${formatGoValue(raw)}'`,
      );
    switch (type.kind) {
      case 'string':
        if (typeof raw === 'string') return raw;
        if (typeof raw === 'boolean') return raw ? '1' : '0';
        if (typeof raw === 'number') return formatGoFloatPlain(raw);
        return unconvertible('string');
      case 'bool': {
        if (typeof raw === 'boolean') return raw;
        if (typeof raw === 'number') return raw !== 0;
        if (typeof raw === 'string') {
          const parsed = parseGoBool(raw);
          if (parsed.ok) return parsed.value;
          if (raw === '') return false;
          return fail(`cannot parse '${name}' as bool: ${parsed.error}`);
        }
        return unconvertible('bool');
      }
      case 'int': {
        if (typeof raw === 'number') return Math.trunc(raw);
        if (typeof raw === 'boolean') return raw ? 1 : 0;
        if (typeof raw === 'string') {
          const parsed = parseGoInt(raw === '' ? '0' : raw);
          return parsed.ok ? parsed.value : fail(`cannot parse '${name}' as int: ${parsed.error}`);
        }
        return unconvertible('int');
      }
      case 'float': {
        if (typeof raw === 'number') return raw;
        if (typeof raw === 'boolean') return raw ? 1 : 0;
        if (typeof raw === 'string') {
          const parsed = parseGoFloat(raw === '' ? '0' : raw);
          return parsed.ok ? parsed.value : fail(`cannot parse '${name}' as float: ${parsed.error}`);
        }
        return unconvertible('float64');
      }
      case 'duration': {
        // StringToTimeDurationHookFunc for strings; numbers are nanoseconds (time.Duration is an int64).
        if (typeof raw === 'string') {
          const parsed = parseGoDurationNs(raw);
          return parsed.ok ? nsToMs(parsed.value) : fail(`error decoding '${name}': ${parsed.error}`);
        }
        if (typeof raw === 'number') return Math.trunc(raw) / 1e6;
        if (typeof raw === 'boolean') return raw ? 1e-6 : 0;
        return unconvertible('time.Duration');
      }
      case 'list': {
        let items: ConfigValue[];
        if (typeof raw === 'string')
          items = raw === '' ? [] : raw.split(','); // StringToSliceHookFunc(",")
        else if (Array.isArray(raw)) items = raw;
        else if (isConfigObject(raw)) items = Object.keys(raw).length === 0 ? [] : [raw];
        else items = [raw];
        const fromString = typeof raw === 'string';
        return items.map((item, i) =>
          this.decodeValue(type.of, item, {
            ...at,
            path: fromString || !Array.isArray(raw) ? at.path : `${at.path}.${i}`,
            goName: `${name}[${i}]`,
            rendered: at.rendered || fromString,
          }),
        );
      }
      case 'map': {
        let entries: [string, ConfigValue][];
        if (isConfigObject(raw)) entries = Object.entries(raw);
        else if (Array.isArray(raw)) {
          // Weak decoding merges a list of maps into one map.
          entries = [];
          for (const [i, item] of raw.entries()) {
            if (isUnknown(item)) return UNKNOWN;
            if (!isConfigObject(item)) return fail(`'${name}[${i}]' expected a map, got '${goKindOf(item)}'`);
            entries.push(...Object.entries(item));
          }
        } else return fail(`'${name}' expected a map, got '${goKindOf(raw)}'`);
        return this.decodeEntries(type.of, entries, at);
      }
      case 'object':
        if (!isConfigObject(raw)) return fail(`'${name}' expected a map, got '${goKindOf(raw)}'`);
        return this.decodeObject(type.fields, raw, at.path + '.', false);
      case 'blocks': {
        const items = Array.isArray(raw) ? raw : [raw];
        return items.map((item, i) => {
          if (isUnknown(item)) return UNKNOWN;
          if (!isConfigObject(item)) return fail(`'${name}[${i}]' expected a map, got '${goKindOf(item)}'`);
          return this.decodeObject(type.fields, item, `${at.path}.${i}.`, false);
        });
      }
    }
  }

  private decodeEntries(of: FieldType, entries: [string, ConfigValue][], at: ValueAt): Decoded {
    const out: Record<string, Decoded> = {};
    for (const [key, value] of entries) {
      const rendered = this.render(key, { ...at, path: `${at.path}.${key}`, rendered: false });
      if (isUnknown(rendered)) return UNKNOWN;
      out[typeof rendered === 'string' ? rendered : key] = this.decodeValue(of, value, {
        ...at,
        path: `${at.path}.${key}`,
        goName: `${at.goName}[${key}]`,
      });
    }
    return out;
  }

  // hcldec + cty conversion to the spec type, then the same mapstructure step for durations.
  private decodeHcl(type: FieldType, raw: ConfigValue, at: ValueAt): Decoded {
    const converted = this.convertCty(type, raw, at);
    if (!converted.ok) {
      this.hclTypeError(at, converted.message);
      return UNKNOWN;
    }
    return converted.value;
  }

  private convertCty(type: FieldType, raw: ConfigValue | Unknown, at: ValueAt): CtyResult {
    if (isUnknown(raw)) return CTY_UNKNOWN;
    if (raw === null) return { ok: true, value: zeroValue(type) };
    switch (type.kind) {
      case 'string':
      case 'duration': {
        let text: string;
        if (typeof raw === 'string') text = raw;
        else if (typeof raw === 'number') text = formatGoFloatPlain(raw);
        else if (typeof raw === 'boolean') text = raw ? 'true' : 'false';
        else return ctyMismatch(type, raw);
        const rendered = this.render(text, at);
        if (isUnknown(rendered) || typeof rendered !== 'string') return CTY_UNKNOWN;
        if (type.kind === 'string') return { ok: true, value: rendered };
        const parsed = parseGoDurationNs(rendered);
        if (!parsed.ok) {
          this.typeError(`error decoding '${at.goName}': ${parsed.error}`, at.path);
          return { ok: true, value: UNKNOWN };
        }
        return { ok: true, value: nsToMs(parsed.value) };
      }
      case 'bool':
        if (typeof raw === 'boolean') return { ok: true, value: raw };
        if (typeof raw === 'string') {
          if (raw === 'true' || raw === '1') return { ok: true, value: true };
          if (raw === 'false' || raw === '0') return { ok: true, value: false };
          const lower = raw.toLowerCase();
          if (lower === 'true' || lower === 'false') {
            return {
              ok: false,
              message: `a bool is required; to convert from string, use lowercase "${lower}"`,
            };
          }
          return { ok: false, message: 'a bool is required' };
        }
        return ctyMismatch(type, raw);
      case 'int':
      case 'float': {
        let value: number;
        if (typeof raw === 'number') value = raw;
        else if (typeof raw === 'string') {
          const text = raw.trim() === raw ? raw : '';
          if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text))
            return { ok: false, message: 'a number is required' };
          value = Number(text);
        } else return ctyMismatch(type, raw);
        if (type.kind === 'int' && !Number.isInteger(value)) {
          return {
            ok: false,
            message: 'value must be a whole number, between -9223372036854775808 and 9223372036854775807',
          };
        }
        return { ok: true, value };
      }
      case 'list': {
        if (!Array.isArray(raw)) {
          return isConfigObject(raw)
            ? { ok: false, message: `${friendlyTypeName(type)} required`, kind: true }
            : ctyMismatch(type, raw);
        }
        const out: Decoded[] = [];
        for (const [i, item] of raw.entries()) {
          const element = this.convertCty(type.of, item, {
            ...at,
            path: `${at.path}.${i}`,
            goName: `${at.goName}[${i}]`,
          });
          if (!element.ok) {
            return element.kind ? { ...element, message: `element ${i}: ${element.message}` } : element;
          }
          out.push(element.value);
        }
        return { ok: true, value: out };
      }
      case 'map': {
        if (!isConfigObject(raw)) {
          return Array.isArray(raw)
            ? { ok: false, message: `${friendlyTypeName(type)} required`, kind: true }
            : ctyMismatch(type, raw);
        }
        const out: Record<string, Decoded> = {};
        for (const [key, item] of Object.entries(raw)) {
          const element = this.convertCty(type.of, item, {
            ...at,
            path: `${at.path}.${key}`,
            goName: `${at.goName}[${key}]`,
          });
          if (!element.ok) {
            return element.kind
              ? { ...element, message: `element ${JSON.stringify(key)}: ${element.message}` }
              : element;
          }
          const renderedKey = this.render(key, { ...at, path: `${at.path}.${key}` });
          if (isUnknown(renderedKey)) return { ok: true, value: UNKNOWN };
          out[typeof renderedKey === 'string' ? renderedKey : key] = element.value;
        }
        return { ok: true, value: out };
      }
      case 'object': {
        if (Array.isArray(raw) && type.hcl === 'block') {
          this.push({
            category: 'keys',
            packer: `Duplicate ${at.attr} block`,
            diagnostic: {
              severity: 'error',
              summary: `Duplicate ${at.attr} block`,
              detail: `Only one ${at.attr} block is allowed.`,
              range: this.keyRange(`${at.path}.1`),
            },
          });
          return { ok: true, value: UNKNOWN };
        }
        if (!isConfigObject(raw)) return ctyMismatch(type, raw);
        return { ok: true, value: this.decodeObject(type.fields, raw, at.path + '.', false) };
      }
      case 'blocks': {
        const items = Array.isArray(raw) ? raw : [raw];
        const out: Decoded[] = [];
        for (const [i, item] of items.entries()) {
          if (isUnknown(item)) out.push(UNKNOWN);
          else if (!isConfigObject(item))
            return { ok: false, message: `element ${i}: object required`, kind: true };
          else
            out.push(
              this.decodeObject(type.fields, item, `${at.path}.${Array.isArray(raw) ? i + '.' : ''}`, false),
            );
        }
        return { ok: true, value: out };
      }
    }
  }

  private typeError(message: string, path: string): void {
    this.push({
      category: 'types',
      packer: message,
      diagnostic: {
        severity: 'error',
        summary: 'Invalid value',
        detail: message,
        range: this.valueRange(path),
      },
    });
  }

  private hclTypeError(at: ValueAt, reason: string): void {
    const message = `Inappropriate value for attribute ${JSON.stringify(at.attr)}: ${reason}.`;
    this.push({
      category: 'types',
      packer: `${HCL_TYPE_SUMMARY}: ${message}`,
      diagnostic: {
        severity: 'error',
        summary: HCL_TYPE_SUMMARY,
        detail: message,
        range: this.valueRange(at.path),
      },
    });
  }

  // -------------------------------------------------------------------------------------------
  // Prepare

  private prepare(draft: Record<string, Decoded>): void {
    const schema = this.schema;
    const random = this.options.random ?? Math.random;
    const context: PrepareContext<unknown> = {
      draft: draft as Draft<unknown>,
      buildName: this.options.buildName ?? schema.type,
      host: this.options.host ?? memoryHost(),
      force: this.options.force ?? false,
      isSet: (key) => this.written.has(key),
      error: (message, key, summary) => this.prepareIssue('error', message, key, summary, true),
      fail: (message, key) => this.prepareIssue('error', message, key, undefined, true, true),
      warning: (message, key, summary) => this.prepareIssue('warning', message, key, summary, true),
      note: (severity, message, key, summary) => this.prepareIssue(severity, message, key, summary, false),
      random: () => random(),
      checkTemplate: (text) => this.options.checkTemplate?.(text, ''),
    };
    // Deprecated keys that still work: say so, with the replacement.
    for (const [name, field] of infoOf(schema.fields as FieldMap).deprecated) {
      if (field.deprecated && this.written.has(name)) {
        const fix = fixForDeprecatedKey(name, this.raw);
        if (fix) this.fixes.push(fix);
        // Packer's own deprecation warnings come from the component's Prepare, in Packer's order.
        if (!field.deprecated.packer) {
          this.prepareIssue('warning', field.deprecated.message, name, `"${name}" is deprecated`, false);
        }
      }
    }
    try {
      schema.prepare(context);
    } catch (error) {
      this.push({
        category: 'kiln',
        diagnostic: {
          severity: 'error',
          summary: 'Internal error while checking this component',
          detail: `Kiln could not check this ${schema.type} ${schema.kind}: ${(error as Error).message}`,
          range: this.located.ranges.block,
        },
      });
    }
  }

  private prepareIssue(
    severity: 'error' | 'warning',
    message: string,
    key: string | undefined,
    summary: string | undefined,
    fromPacker: boolean,
    bare = false,
  ): void {
    // A deprecated key's warning also says the concrete change (offered in `fixes` too).
    const fix = severity === 'warning' && key ? this.fixes.find((f) => f.key === key) : undefined;
    this.push({
      category: fromPacker ? 'prepare' : 'kiln',
      packer: fromPacker ? message : undefined,
      bare,
      diagnostic: {
        severity,
        summary:
          summary ??
          (key
            ? `Invalid value for "${key}"`
            : `Invalid ${this.schema.type} ${this.schema.kind} configuration`),
        detail: fix ? `${message}\n\n${describeFix(fix)}` : message,
        range: key ? this.valueRange(key) : this.located.ranges.block,
      },
    });
  }

  // -------------------------------------------------------------------------------------------
  // Results and places

  private push(issue: Issue): void {
    this.issues.push(issue);
  }

  private result(stage: DecodeResult<unknown>['stage']): DecodeResult<unknown> {
    const keyIssues = this.issues.filter((i) => i.category === 'keys' && i.sortKey !== undefined);
    keyIssues.sort((a, b) => (a.sortKey! < b.sortKey! ? -1 : a.sortKey! > b.sortKey! ? 1 : 0));
    let k = 0;
    const ordered = this.issues.map((i) =>
      i.category === 'keys' && i.sortKey !== undefined ? keyIssues[k++] : i,
    );
    return {
      diagnostics: ordered.map((i) => i.diagnostic),
      stage,
      fixes: this.fixes,
      packerError: this.packerError(ordered),
      packerWarnings: ordered
        .filter(
          (i) => i.diagnostic.severity === 'warning' && i.packer !== undefined && i.category === 'prepare',
        )
        .map((i) => i.packer!),
    };
  }

  /** The error text Packer would print for this component, joined the way Packer joins it. */
  private packerError(issues: Issue[]): string | undefined {
    // Kiln's own errors are listed with Prepare's, so the CLI shows one report.
    const errors = issues
      .filter((i) => i.diagnostic.severity === 'error')
      .map((i) =>
        i.category === 'kiln' ? { ...i, category: 'prepare' as Category, packer: i.diagnostic.detail } : i,
      )
      .filter((i) => i.packer !== undefined);
    if (errors.length === 0) return undefined;
    const prefix = this.schema.decodeErrorPrefix ?? '';
    // Packer stops at the first stage that fails: rendering, then decoding, then unknown keys, then Prepare.
    const stages: Category[] = ['render', 'types', 'keys', 'prepare'];
    const first = stages.find((stage) => errors.some((i) => i.category === stage)) ?? errors[0].category;
    const group = errors.filter((i) => i.category === first);
    const texts = group.map((i) => i.packer!);
    if (this.dialect === 'hcl' && (first === 'keys' || first === 'types')) return texts.join('\n');
    switch (first) {
      case 'render':
        return prefix + texts[0];
      case 'types': {
        const points = texts.map((t) => `* ${t}`).sort();
        return `${prefix}${texts.length} error(s) decoding:\n\n${points.join('\n')}`;
      }
      case 'keys': {
        const head = texts.length === 1 ? '1 error occurred:' : `${texts.length} errors occurred:`;
        return `${prefix}${head}\n${texts.map((t) => `\t* ${t}`).join('\n')}\n\n`;
      }
      default: {
        const bare = group.find((i) => i.bare);
        if (bare) return bare.packer;
        return `${texts.length} error(s) occurred:\n\n${texts.map((t) => `* ${t}`).join('\n')}`;
      }
    }
  }

  private keyRange(path: string): Range {
    return this.findRange(path, 'keys');
  }

  private valueRange(path: string): Range {
    return this.findRange(path, 'values');
  }

  private findRange(path: string, which: 'keys' | 'values'): Range {
    const ranges = this.located.ranges;
    let p = path;
    while (p !== '') {
      const found = ranges[which][p] ?? ranges.values[p] ?? ranges.keys[p];
      if (found) return found;
      const dot = p.lastIndexOf('.');
      p = dot < 0 ? '' : p.slice(0, dot);
    }
    return ranges.block;
  }
}

interface ValueAt {
  /** Dotted path for ranges and render: `qemuargs.2.1`. */
  path: string;
  /** mapstructure's name for messages: `qemuargs[2][1]`, `qemu_img_args.convert`. */
  goName: string;
  /** The HCL attribute name (hcldec messages name the attribute, not the element). */
  attr: string;
  /** The top-level key (Packer's render errors name it). */
  topKey: string;
  interpolate: boolean;
  rendered: boolean;
}

type CtyResult = { ok: true; value: Decoded } | { ok: false; message: string; kind?: boolean };

/** Shared: results are read, never changed. */
const CTY_UNKNOWN: CtyResult = Object.freeze({ ok: true, value: UNKNOWN });

/** cty's MismatchMessage for the cases a Packer spec can meet. */
function ctyMismatch(type: FieldType, raw: ConfigValue): CtyResult {
  return {
    ok: false,
    message: `${friendlyTypeName(type)} required, but have ${ctyTypeName(raw)}`,
    kind: true,
  };
}

function isHclBlock(type: FieldType): boolean {
  return (type.kind === 'object' && type.hcl === 'block') || type.kind === 'blocks';
}

function ctyTypeName(value: ConfigValue): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'tuple';
  return 'object';
}

/**
 * Schemas are static: each field map's entries, names and zero object are worked out once. A decode
 * copies the zero object (one copy of ~200 qemu fields instead of ~200 insertions) and then gives the
 * few fields whose zero is a list, map or object fresh ones, since Prepare fills defaults in place.
 */
interface FieldMapInfo {
  names: ReadonlySet<string>;
  /** The deprecated fields, in schema order. */
  deprecated: [string, FieldSchema][];
  zero: Record<string, Decoded>;
  mutable: [string, FieldType][];
}

const fieldMapInfo = new WeakMap<FieldMap, FieldMapInfo>();
function infoOf(fields: FieldMap): FieldMapInfo {
  let info = fieldMapInfo.get(fields);
  if (!info) {
    const entries = Object.entries(fields);
    const zero: Record<string, Decoded> = {};
    const mutable: [string, FieldType][] = [];
    for (const [name, field] of entries) {
      const value = zeroValue(field.type);
      zero[name] = value;
      if (value !== null && typeof value === 'object') mutable.push([name, field.type]);
    }
    const deprecated = entries.filter(([, field]) => field.deprecated);
    info = { names: new Set(Object.keys(fields)), deprecated, zero, mutable };
    fieldMapInfo.set(fields, info);
  }
  return info;
}

/** A fresh object of every field's zero value. */
function zeroObject(fields: FieldMap): Record<string, Decoded> {
  const info = infoOf(fields);
  const out = { ...info.zero };
  for (const [name, type] of info.mutable) out[name] = zeroValue(type);
  return out;
}

/** Go's zero value of a field's type (what an unset key decodes to). */
export function zeroValue(type: FieldType): Decoded {
  switch (type.kind) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int':
    case 'float':
    case 'duration':
      return 0;
    case 'list':
    case 'blocks':
      return [];
    case 'map':
      return {};
    case 'object':
      return zeroObject(type.fields);
  }
}

function containsUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === 'object') {
    // Plain objects only (drafts): `for in` walks their own keys without copying ~200 values out.
    for (const key in value) if (containsUnknown((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** Which component kinds have meta-arguments the loader handles (re-exported for callers). */
export function metaKeys(kind: ComponentKind): string[] {
  return Object.keys(META_FIELDS[kind] ?? {});
}
