/**
 * Diagnostics of the JSON loader, and how to print them exactly as Packer does.
 *
 * Kiln reports every problem it finds, each with the place at fault. Packer stops at the first stage
 * that fails and prints that stage's errors in one block; `formatPackerJsonErrors` rebuilds that block
 * from Kiln's diagnostics (for the CLI and for side-by-side tests).
 */
import { type Diagnostic, type Range, error as errorDiag } from '../source';

/** Packer's stages, in the order it runs them; a later stage only runs when the earlier ones passed. */
export type PackerJsonStage =
  | 'syntax' // Error parsing JSON
  | 'duplicate' // template has duplicate field
  | 'root-decode' // mapstructure errors decoding the root object
  | 'comment' // a root `_comment` that is not a string
  | 'root-key' // Unknown root level key
  | 'parse' // errors of the template structure (builders, provisioners, post-processors, variables)
  | 'var-file' // -var-file could not be read (printed alone)
  | 'validate' // at least one builder; only/except/override
  | 'min-version' // min_packer_version
  | 'required' // required variable not set
  | 'init' // rendering variables, build names, max_retries
  | 'kiln'; // checks of Kiln's own, which Packer does not make

export interface PackerJsonError {
  stage: PackerJsonStage;
  /** The error as it appears in Packer's output (a multierror bullet, or the whole text for single errors). */
  message: string;
  /** Errors with the same group are one Packer error (one mapstructure decode); `message` is then the group's. */
  group?: string;
}

const info = new WeakMap<Diagnostic, PackerJsonError>();

export const PARSE_SUMMARY = 'Failed to parse template';
export const VALIDATE_SUMMARY = 'Invalid template';

/** Creates an error diagnostic and remembers how Packer would print it. */
export function jsonError(
  summary: string,
  detail: string,
  range: Range | undefined,
  packer: PackerJsonError,
): Diagnostic {
  const d = errorDiag(summary, detail, range);
  info.set(d, packer);
  return d;
}

/** How Packer prints a diagnostic made by the JSON loader, if it is one. */
export function packerJsonError(d: Diagnostic): PackerJsonError | undefined {
  return info.get(d);
}

/** go-multierror's format. */
export function multierror(messages: string[]): string {
  const head = messages.length === 1 ? '1 error occurred:' : `${messages.length} errors occurred:`;
  return `${head}\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`;
}

/** mitchellh/go-wordwrap's WrapString, which Packer's diagnostic printer applies at 80 columns. */
export function wrapString(s: string, limit: number): string {
  let out = '';
  let current = 0;
  let word = '';
  let space = '';
  const wordLen = () => [...word].length;
  const spaceLen = () => [...space].length;
  for (const ch of s) {
    if (ch === '\n') {
      if (word.length === 0) {
        if (current + spaceLen() <= limit) out += space;
        space = '';
      } else {
        out += space + word;
        space = '';
        word = '';
      }
      out += ch;
      current = 0;
    } else if (/\s/.test(ch) && ch !== '\u00a0') {
      if (space.length === 0 || word.length > 0) {
        current += spaceLen() + wordLen();
        out += space + word;
        space = '';
        word = '';
      }
      space += ch;
    } else {
      word += ch;
      if (current + spaceLen() + wordLen() > limit && wordLen() < limit) {
        out += '\n';
        current = 0;
        space = '';
      }
    }
  }
  if (word.length === 0) {
    if (current + spaceLen() <= limit) out += space;
  } else out += space + word;
  return out;
}

/** How HCL's diagnostic writer lays out a detail: each line not starting with a space wrapped at 80. */
export function wrapDetail(detail: string): string {
  return detail
    .split('\n')
    .map((line) => (line.startsWith(' ') ? line : wrapString(line, 80)))
    .map((line) => line + '\n')
    .join('');
}

export type PackerFlavour = '1.6.6' | 'head';

const HEAD_PARSE_PREFIX =
  'Failed to parse file as legacy JSON template: if you are using an HCL template, check your file extensions; they should be either *.pkr.hcl or *.pkr.json; see the docs for more details: https://www.packer.io/docs/templates/hcl_templates. \nOriginal error: ';

/**
 * The text `packer validate` prints for these diagnostics (Packer's first failing stage only), or
 * undefined when none of them stops Packer. `flavour` picks 1.6.6's or modern Packer's wording.
 */
export function formatPackerJsonErrors(
  diagnostics: readonly Diagnostic[],
  flavour: PackerFlavour = '1.6.6',
): string | undefined {
  const errs = diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => info.get(d))
    .filter((e): e is PackerJsonError => e !== undefined && e.stage !== 'kiln');
  if (errs.length === 0) return undefined;
  const of = (stage: PackerJsonStage) => {
    const seen = new Set<string>();
    return errs
      .filter((e) => e.stage === stage)
      .filter((e) => {
        if (!e.group) return true;
        if (seen.has(e.group)) return false;
        seen.add(e.group);
        return true;
      })
      .map((e) => e.message);
  };
  const parseFailure = (text: string) =>
    (flavour === 'head' ? HEAD_PARSE_PREFIX : 'Failed to parse template: ') + text + '\n';

  const syntax = of('syntax');
  if (syntax.length) return parseFailure(syntax[0]);
  const dup = of('duplicate');
  if (dup.length) return parseFailure(dup[0]);
  const rootDecode = errs.filter((e) => e.stage === 'root-decode');
  if (rootDecode.length) {
    const single = rootDecode.find((e) => e.group === 'root-not-object');
    if (single) return parseFailure(single.message);
    return parseFailure(rootDecode.length === 1 ? rootDecode[0].message : mapstructureLines(rootDecode));
  }
  const comment = of('comment');
  if (comment.length) return parseFailure(comment[0]);
  const rootKeys = of('root-key');
  if (rootKeys.length) return parseFailure(multierror(rootKeys));
  const parse = of('parse');
  if (parse.length) return parseFailure(multierror(parse));
  const varFile = of('var-file');
  if (varFile.length) return varFile[0] + '\n';
  const init = initializeError(errs);
  return init === undefined ? undefined : `Error: \n\n${wrapDetail(init)}\n\n`;
}

/** The error Packer's Core.Initialize returns (validate stage onwards), unformatted, if any. */
export function packerInitializeError(diagnostics: readonly Diagnostic[]): string | undefined {
  return initializeError(
    diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => info.get(d))
      .filter((e): e is PackerJsonError => e !== undefined),
  );
}

function initializeError(errs: PackerJsonError[]): string | undefined {
  const of = (stage: PackerJsonStage) => errs.filter((e) => e.stage === stage).map((e) => e.message);
  const validate = of('validate');
  if (validate.length) return multierror(validate);
  const minVersion = of('min-version');
  if (minVersion.length) return minVersion[0];
  const required = of('required');
  if (required.length) return multierror(required);
  const init = of('init');
  if (init.length) return init[0];
  return undefined;
}

function mapstructureLines(errs: PackerJsonError[]): string {
  // Each root-decode error's message is `1 error(s) decoding:\n\n* <line>`; regroup the lines.
  const lines = errs.map((e) => e.message.replace(/^1 error\(s\) decoding:\n\n\* /, '')).sort();
  return `${lines.length} error(s) decoding:\n\n${lines.map((l) => `* ${l}`).join('\n')}`;
}
