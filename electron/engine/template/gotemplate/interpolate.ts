/**
 * Packer's `{{ }}` template engine (packer-plugin-sdk `template/interpolate`) on top of the Go
 * text/template implementation: the interpolation context and Packer's template functions.
 *
 * What callers decide (as Packer's components do): which config fields are rendered and which are
 * excluded until run time (e.g. `boot_command` keeps `{{ .HTTPIP }}`), what `data` is (`.Vars`/`.Path`
 * for a shell `execute_command`, the builder's generated data for `{{build}}`), and whether env is
 * allowed (only while rendering variable defaults).
 */
import { PACKER_COMPAT_VERSION } from '../../version';
import type { TemplateHost } from '../host';
import { BUILTINS, Executor, type FuncMap, type GoFunction, GoTemplateExecError } from './exec';
import { GoTemplateParseError, type ParsedTemplate, parseGoTemplate } from './parser';
import { RFC3339, formatGoTime, strftime } from './timefmt';
import { type GoValue, isGoMap } from './values';

export interface InterpolationContext {
  /** What `{{env}}`, `{{pwd}}`, `{{template_dir}}`, `{{uuid}}` and the clock read from. */
  host: TemplateHost;
  /** The values `{{user `x`}}` reads. An undefined variable renders as '' unless `enableEnv` is set. */
  userVariables?: Readonly<Record<string, string>>;
  /**
   * True only while rendering variable defaults: allows env/consul_key/vault/aws_secretsmanager, and
   * makes `{{user}}` of an unset variable an error (Packer retries those in dependency order).
   */
  enableEnv?: boolean;
  /** `{{build_name}}` (JSON: the builder's name). Unset: `build_name not available`. */
  buildName?: string;
  /** `{{build_type}}` (the builder type). Unset: `build_type not available`. */
  buildType?: string;
  /** Path of the template file; `{{template_dir}}` is its folder made absolute. */
  templatePath?: string;
  /** `{{packer_version}}`; defaults to the Packer version Kiln follows. */
  packerVersion?: string;
  /**
   * The data `.Field` reads and `{{build `X`}}` looks up. A plain object is a Go map (a missing key
   * prints `<no value>`); a GoStruct is a struct (a missing field is an error); undefined is nil.
   */
  data?: GoValue;
  /** Extra functions, as plugins add them. */
  funcs?: FuncMap;
  /** Packer's InitTime: the instant `timestamp`, `isotime` and `strftime` use. Defaults to host.now(). */
  initTime?: Date;
}

/** A `{{ }}` template that failed to parse or to execute, with Go's/Packer's message. */
export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly phase: 'parse' | 'exec',
    /** Offset in the template text of the node at fault. */
    readonly pos: number,
  ) {
    super(message);
    this.name = 'InterpolationError';
  }
}

/** Packer's marker in placeholder build data: `{{build `X`}}` renders `{{.X}}` for a later pass. */
export const BUILD_PLACEHOLDER_MESSAGE =
  'To set this dynamically in the Packer template, you must use the `build` function';

/** The keys every builder provides to `{{build}}` (packer `BuilderDataCommonKeys`). */
export const BUILD_DATA_COMMON_KEYS = [
  'ID',
  'Host',
  'Port',
  'User',
  'Password',
  'ConnType',
  'PackerRunUUID',
  'PackerHTTPPort',
  'PackerHTTPIP',
  'PackerHTTPAddr',
  'SSHPublicKey',
  'SSHPrivateKey',
  'WinRMPassword',
] as const;

/**
 * Packer's BasicPlaceholderData: the data provisioners are prepared with before the build runs, so
 * `{{build `Host`}}` renders as `{{.Host}}` and is rendered again with the real values at provision time.
 */
export function placeholderBuildData(extraKeys: readonly string[] = []): Record<string, string> {
  // A copy of one precomputed table: validate asks for it once per component.
  const data: Record<string, string> = {
    ...(commonPlaceholders ??= placeholdersFor(BUILD_DATA_COMMON_KEYS)),
  };
  if (extraKeys.length > 0) Object.assign(data, placeholdersFor(extraKeys));
  data.WinRMPassword = '{{.WinRMPassword}}';
  return data;
}

let commonPlaceholders: Readonly<Record<string, string>> | undefined;

function placeholdersFor(keys: readonly string[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const key of keys) data[key] = `Build_${key}. ${BUILD_PLACEHOLDER_MESSAGE}`;
  return data;
}

/** POSIX dirname and absolute path (filepath.Abs(filepath.Dir(p))), without Node. */
export function absDir(path: string, cwd: string): string {
  const abs = path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
  const parts: string[] = [];
  for (const seg of abs.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  parts.pop();
  return '/' + parts.join('/');
}

/** Packer's uuid.TimeOrderedUUID: 32 bits of Unix time, then 96 random bits. */
function timeOrderedUUID(host: TemplateHost): string {
  const unix = (Math.floor(host.now().getTime() / 1000) >>> 0).toString(16).padStart(8, '0');
  const random = (host.randomUUID() + host.randomUUID()).replace(/-/g, '').replace(/^(.{12})4/, '$1');
  const r = random.slice(0, 24);
  return `${unix}-${r.slice(0, 4)}-${r.slice(4, 8)}-${r.slice(8, 12)}-${r.slice(12, 24)}`;
}

const str = (v: GoValue) => v as string;
const fn = (
  params: GoFunction['params'],
  call: GoFunction['call'],
  variadic?: GoFunction['variadic'],
): GoFunction => (variadic ? { params, call, variadic } : { params, call });

/** The functions of packer-plugin-sdk's FuncGens, bound to a context. */
export function packerFuncs(ctx: InterpolationContext): FuncMap {
  const initTime = () => ctx.initTime ?? ctx.host.now();
  const onlyInVariables = (what: string, kilnName: string) => {
    if (!ctx.enableEnv) throw new Error(what);
    throw new Error(`${kilnName} is not available in Kiln: set the value with -var or -var-file instead`);
  };
  const funcs: Record<string, GoFunction> = {
    build_name: fn([], () => {
      if (!ctx.buildName) throw new Error('build_name not available');
      return ctx.buildName;
    }),
    build_type: fn([], () => {
      if (!ctx.buildType) throw new Error('build_type not available');
      return ctx.buildType;
    }),
    env: fn(['string'], ([k]) => {
      if (!ctx.enableEnv) throw new Error('env vars are not allowed here');
      return ctx.host.env(str(k)) ?? '';
    }),
    isotime: fn(
      [],
      (format) => {
        if (format.length === 0) return formatGoTime(initTime(), RFC3339);
        if (format.length > 1) throw new Error(`too many values, 1 needed: [${format.map(str).join(' ')}]`);
        return formatGoTime(initTime(), str(format[0]));
      },
      'string',
    ),
    strftime: fn(['string'], ([f]) => strftime(str(f), initTime())),
    pwd: fn([], () => ctx.host.cwd()),
    split: fn(['string', 'string', 'int'], ([k, s, i]) => {
      const parts = str(k).split(str(s));
      const n = i as number;
      if (parts.length <= n || n < 0) {
        throw new Error(
          `the substring ${n} was unavailable using the separator value, ${str(s)}, only ${parts.length} values were found`,
        );
      }
      return parts[n];
    }),
    template_dir: fn([], () => {
      if (!ctx.templatePath) throw new Error('template path not available');
      return absDir(ctx.templatePath, ctx.host.cwd());
    }),
    timestamp: fn([], () => String(Math.floor(initTime().getTime() / 1000))),
    uuid: fn([], () => timeOrderedUUID(ctx.host)),
    user: fn(['string'], ([k]) => {
      const vars = ctx.userVariables;
      if (!vars) throw new Error('test');
      const key = str(k);
      const has = Object.prototype.hasOwnProperty.call(vars, key);
      if (ctx.enableEnv && !has) throw new Error(`Error: variable not set: ${key}`);
      return has ? vars[key] : '';
    }),
    packer_version: fn([], () => ctx.packerVersion ?? PACKER_COMPAT_VERSION),
    consul_key: fn(['string'], () => onlyInVariables('consul_key is not allowed here', 'consul_key')),
    vault: fn(['string', 'string'], () =>
      onlyInVariables('Vault vars are only allowed in the variables section', 'vault'),
    ),
    sed: fn(['string', 'string'], () => {
      throw new Error(
        'template function `sed` is deprecated use `replace` or `replace_all` instead.Documentation: https://www.packer.io/docs/templates/engine',
      );
    }),
    build: fn(['string'], ([k]) => {
      const key = str(k);
      const data = ctx.data;
      if (!isGoMap(data)) {
        throw new Error(
          `Error validating build variable: the given variable ${key} will not be passed into your plugin.`,
        );
      }
      const held = Object.prototype.hasOwnProperty.call(data, key) ? data[key] : undefined;
      if (typeof held === 'string') return held.includes(BUILD_PLACEHOLDER_MESSAGE) ? `{{.${key}}}` : held;
      throw new Error(`loaded data, but couldnt find ${key} in it.`);
    }),
    aws_secretsmanager: fn(
      [],
      (secret) => {
        if (!ctx.enableEnv) throw new Error('AWS Secrets Manager is only allowed in the variables section');
        if (secret.length === 0) throw new Error('secret name must be provided');
        if (secret.length > 2) throw new Error('only secret name and optional secret key can be provided.');
        return onlyInVariables('', 'aws_secretsmanager');
      },
      'string',
    ),
    aws_secretsmanager_raw: fn(['string'], () => {
      if (!ctx.enableEnv) throw new Error('AWS Secrets Manager is only allowed in the variables section');
      return onlyInVariables('', 'aws_secretsmanager_raw');
    }),
    replace: fn(['string', 'string', 'int', 'string'], ([oldS, newS, n, src]) =>
      goReplace(str(src), str(oldS), str(newS), n as number),
    ),
    replace_all: fn(['string', 'string', 'string'], ([oldS, newS, src]) =>
      goReplace(str(src), str(oldS), str(newS), -1),
    ),
    upper: fn(['string'], ([s]) => str(s).toUpperCase()),
    lower: fn(['string'], ([s]) => str(s).toLowerCase()),
    // Cloud plugins add this one; Kiln offers it everywhere with the GCE rule the docs describe.
    clean_resource_name: fn(['string'], ([s]) =>
      str(s)
        .toLowerCase()
        .replace(/[^-a-z0-9]/g, '-'),
    ),
  };
  return { ...funcs, ...(ctx.funcs ?? {}) };
}

/** Go's strings.Replace: the first n non-overlapping instances (n < 0: all); an empty old inserts between runes. */
export function goReplace(s: string, oldS: string, newS: string, n: number): string {
  if (n === 0 || oldS === newS) return s;
  if (oldS === '') {
    const runes = [...s];
    let out = '';
    let done = 0;
    for (let i = 0; i <= runes.length; i++) {
      if (n < 0 || done < n) {
        out += newS;
        done++;
      }
      if (i < runes.length) out += runes[i];
    }
    return out;
  }
  let out = '';
  let from = 0;
  let done = 0;
  for (;;) {
    if (n >= 0 && done >= n) break;
    const i = s.indexOf(oldS, from);
    if (i < 0) break;
    out += s.slice(from, i) + newS;
    from = i + oldS.length;
    done++;
  }
  return out + s.slice(from);
}

/** Parses text as Packer does (`template.New("root").Funcs(...)`), for checks and for hcl2_upgrade. */
export function parsePackerTemplate(text: string, funcs: FuncMap, name = 'root'): ParsedTemplate {
  return parseGoTemplate(
    text,
    name,
    (f) =>
      Object.prototype.hasOwnProperty.call(funcs, f) || Object.prototype.hasOwnProperty.call(BUILTINS, f),
  );
}

/** Parses and executes a template once with the given functions and data; throws InterpolationError. */
export function executeTemplate(text: string, funcs: FuncMap, data: GoValue, name = 'root'): string {
  let tpl: ParsedTemplate;
  try {
    tpl = parsePackerTemplate(text, funcs, name);
  } catch (e) {
    if (e instanceof GoTemplateParseError) throw new InterpolationError(e.message, 'parse', e.pos);
    throw e;
  }
  try {
    return new Executor(tpl, funcs, data).run(data);
  } catch (e) {
    if (e instanceof GoTemplateExecError) throw new InterpolationError(e.message, 'exec', e.pos);
    throw e;
  }
}

/**
 * Packer's interpolate.RenderOnce: what components use for their config strings (config.Decode), so a
 * `{{build `Host`}}` placeholder stays `{{.Host}}` until the provisioner renders it with real data.
 */
export function renderOnce(text: string, ctx: InterpolationContext): string {
  return executeTemplate(text, packerFuncs(ctx), ctx.data);
}

/** Whether a string contains anything the engine would change (a `{{`). */
export function hasTemplate(text: string): boolean {
  return text.includes('{{');
}

/**
 * Packer's interpolate.Render: renders until the result no longer changes (a user variable may hold
 * another template); Packer uses it for build names, max_retries and the console. Throws
 * InterpolationError with Go's/Packer's message.
 */
export function render(text: string, ctx: InterpolationContext): string {
  let v = text;
  // Packer loops without bound; a self-referencing variable would spin forever, so Kiln stops at 100.
  for (let i = 0; i < 100; i++) {
    if (!hasTemplate(v)) return v;
    const rendered = renderOnce(v, ctx);
    if (rendered === v) return rendered;
    v = rendered;
  }
  throw new InterpolationError(`template keeps changing after 100 renderings: ${text}`, 'exec', 0);
}

/** Replaces every occurrence of the given (non-empty) secrets by `<sensitive>`, as Packer's UI does. */
export function maskSensitive(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of [...secrets].filter((x) => x !== '').sort((a, b) => b.length - a.length)) {
    out = out.split(s).join('<sensitive>');
  }
  return out;
}
