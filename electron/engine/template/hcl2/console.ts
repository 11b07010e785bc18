/** `console` for HCL2 templates: one expression a line, evaluated with the template's variables and locals. */
import type { TemplateHost } from '../host';
import type { Diagnostic } from '../source';
import { parseHclExpression } from '../hcl/parser';
import { PACKER_COMPAT_VERSION } from '../../version';
import type { Scope } from './evaluation';
import { display, evaluate, objectValue, stringValue, unknownValue } from './evaluation';
import type { LoadedHclTemplate } from './load';

export interface HclConsoleResult {
  output: string;
  exit: boolean;
  diagnostics: Diagnostic[];
}

/** The scope for a console without a template: only `path` and `packer`. */
export function bareConsoleScope(host: TemplateHost): Scope {
  const cwd = host.cwd();
  return {
    host,
    pathRoot: cwd,
    allowEnv: false,
    variables: {
      path: objectValue({ root: stringValue(cwd), cwd: stringValue(cwd) }),
      packer: objectValue({ version: stringValue(PACKER_COMPAT_VERSION), iterationID: unknownValue() }),
      var: objectValue({}),
      local: objectValue({}),
    },
  };
}

export function evalHclConsole(
  line: string,
  template: LoadedHclTemplate | undefined,
  host: TemplateHost,
): HclConsoleResult {
  const text = line.trim();
  if (text === '') return { output: '', exit: false, diagnostics: [] };
  if (text === 'exit') return { output: '', exit: true, diagnostics: [] };
  const scope = template?.hcl?.scope ?? bareConsoleScope(host);
  const parsed = parseHclExpression(text, '<console-input>');
  if (parsed.diagnostics.some((d) => d.severity === 'error'))
    return { output: '', exit: false, diagnostics: parsed.diagnostics };
  const evaluated = evaluate(parsed.expr, scope);
  const value = evaluated.value;
  // A for expression reports the same problem once per element: say it once.
  const seen = new Set<string>();
  const diagnostics = evaluated.diagnostics.filter((d) => {
    const key = `${d.summary}|${d.detail}|${d.range?.start.offset}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (diagnostics.some((d) => d.severity === 'error')) return { output: '', exit: false, diagnostics };
  return { output: display(value), exit: false, diagnostics };
}
