/** `packer console` for a JSON template (packer Core.EvaluateExpression). */
import { InterpolationError, render } from '../gotemplate/interpolate';
import type { TemplateHost } from '../host';
import { wrapDetail } from './diagnostics';
import type { LoadedJsonTemplate } from './load';

export const JSON_CONSOLE_HELP = `Packer console JSON Mode.
The Packer console allows you to experiment with Packer interpolations.
You may access variables in the Packer config you called the console with.

Type in the interpolation to test and hit <enter> to see the result.

"variables" will dump all available variables and their values.

"{{timestamp}}" will output the timestamp, for example "1559855090".

To exit the console, type "exit" and hit <enter>, or use Control-C.

/!\\ If you would like to start console in hcl2 mode without a config you can
use the --config-type=hcl2 option.`;

export interface ConsoleResult {
  /** What the line evaluates to ('' after an error). */
  output: string;
  /** True for `exit`. */
  exit: boolean;
  /** The interpolation error (Packer's "Interpolation error" diagnostic detail). */
  error?: string;
}

/** Evaluates one console line against a JSON template, as Packer's JSON-mode console does. */
export function evalJsonConsole(
  line: string,
  template: LoadedJsonTemplate,
  host: TemplateHost,
): ConsoleResult {
  const text = line.trim();
  if (text === '') return { output: '', exit: false };
  if (text === 'exit') return { output: '', exit: true };
  if (text === 'help') return { output: JSON_CONSOLE_HELP, exit: false };
  const vars = template.json.userVariables;
  if (text === 'variables') {
    const keys = Object.keys(vars).sort();
    return { output: '\n' + keys.map((k) => `${k}: ${vars[k]},\n`).join(''), exit: false };
  }
  try {
    return { output: render(text, { host, userVariables: vars, templatePath: template.path }), exit: false };
  } catch (e) {
    if (!(e instanceof InterpolationError)) throw e;
    return { output: '', exit: false, error: e.message };
  }
}

/** How Packer prints the console's interpolation error (a diagnostic without a severity). */
export function formatConsoleError(detail: string): string {
  return `???????: Interpolation error\n\n${wrapDetail(detail)}\n\n`;
}
