/**
 * Input variables: declarations, values from every source in Packer's precedence
 * (default < PKR_VAR_ env < *.auto.pkrvars < -var-file in order < -var), type conversion,
 * validation rules and sensitivity.
 */
import type { Attribute, Expression } from '../hcl/ast';
import type { TemplateHost } from '../host';
import type { VariableInfo } from '../model';
import type { Diagnostic, Range } from '../source';
import { error, formatRange, warning } from '../source';
import { parseHclFile } from '../hcl/parser';
import type { HclStructure, VariableDecl } from './structure';
import type { HclType, Scope, Value } from './evaluation';
import {
  asBool,
  asString,
  collectStrings,
  convertValue,
  display,
  evaluate,
  isKnown,
  isNull,
  markSensitive,
  parseVariableValue,
  referencesOf,
  typeFromExpression,
  typeToString,
  unknownValue,
  valueFromJson,
  objectValue as objectOf,
} from './evaluation';

export type ValueOrigin = 'default' | 'env' | 'varfile' | 'cmd';

interface Assigned {
  value: Value;
  origin: ValueOrigin;
  range?: Range;
}

export interface CollectedVariables {
  values: Record<string, Value>;
  infos: VariableInfo[];
  sensitiveValues: string[];
  diagnostics: Diagnostic[];
}

const VAR_FILE_HINT = 'place this block in one of your .pkr files, such as variables.pkr.hcl';

interface VarFileAssignment {
  name: string;
  value: Value;
  range: Range;
  nameRange: Range;
}

function readVarFile(
  path: string,
  host: TemplateHost,
  scope: Scope,
  diagnostics: Diagnostic[],
): VarFileAssignment[] {
  let text: string;
  try {
    text = host.readFile(path);
  } catch (e) {
    diagnostics.push(error('Failed to read variables file', `${path}: ${(e as Error).message}`));
    return [];
  }
  if (path.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      diagnostics.push(error('Invalid variables file', `${path}: ${(e as Error).message}`));
      return [];
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      diagnostics.push(
        error('Invalid variables file', `${path}: the root of a JSON variables file must be an object.`),
      );
      return [];
    }
    const whole: Range = {
      file: path,
      start: { line: 1, column: 1, offset: 0 },
      end: { line: 1, column: 1, offset: 0 },
    };
    return Object.entries(parsed as Record<string, unknown>).map(([name, v]) => ({
      name,
      value: valueFromJson(v),
      range: whole,
      nameRange: whole,
    }));
  }
  if (!path.endsWith('.hcl')) {
    diagnostics.push(
      error(
        'Could not guess format of variables file',
        `Could not guess format of ${path}: use a .pkrvars.hcl or .json file.`,
      ),
    );
    return [];
  }
  const parsed = parseHclFile(path, text);
  diagnostics.push(...parsed.diagnostics);
  if (!parsed.file) return [];
  for (const block of parsed.file.body.blocks) {
    const name = block.labels[0]?.value ?? block.type;
    diagnostics.push(
      error(
        block.type === 'variable'
          ? 'Variable declaration in a .pkrvar file'
          : 'Unexpected block in a .pkrvar file',
        block.type === 'variable'
          ? `A .pkrvar file is used to assign values to variables that have already been declared in .pkr files, not to declare new variables. To declare variable "${name}", ${VAR_FILE_HINT}.\n\nTo set a value for this variable in ${path}, use the definition syntax instead:\n    ${name} = <value>`
          : `Only variable assignments (name = value) may appear in ${path}.`,
        block.typeRange,
      ),
    );
  }
  const out: VarFileAssignment[] = [];
  for (const attr of parsed.file.body.attributes) {
    const { value, diagnostics: d } = evaluate(attr.expr, { ...scope, variables: {} });
    diagnostics.push(...d);
    out.push({ name: attr.name, value, range: attr.expr.range, nameRange: attr.nameRange });
  }
  return out;
}

function literalBool(expr: Expression | undefined, scope: Scope, diagnostics: Diagnostic[]): boolean {
  if (!expr) return false;
  const { value, diagnostics: d } = evaluate(expr, { ...scope, variables: {} });
  diagnostics.push(...d);
  return isKnown(value) ? (asBool(value) ?? false) : false;
}

function literalString(
  expr: Expression | undefined,
  scope: Scope,
  diagnostics: Diagnostic[],
): string | undefined {
  if (!expr) return undefined;
  const { value, diagnostics: d } = evaluate(expr, { ...scope, variables: {} });
  diagnostics.push(...d);
  return isKnown(value) ? asString(value) : undefined;
}

const ORIGIN_WORD: Record<ValueOrigin, string> = {
  default: 'default',
  env: 'env',
  varfile: 'varfile',
  cmd: 'cmd',
};

function checkValidations(
  decl: VariableDecl,
  assigned: Assigned,
  scope: Scope,
  diagnostics: Diagnostic[],
): void {
  for (const rule of decl.validations) {
    if (!rule.condition || !rule.errorMessage) continue;
    const refs = referencesOf(rule.condition.expr);
    const foreign = refs.find((r) => !(r.root === 'var' && r.name === decl.name));
    if (foreign || !refs.some((r) => r.root === 'var')) {
      diagnostics.push(
        error(
          'Invalid variable validation condition',
          `The condition for variable "${decl.name}" must refer to var.${decl.name} in order to test incoming values, and may not refer to anything else.`,
          foreign?.range ?? rule.condition.expr.range,
        ),
      );
      continue;
    }
    const message = literalString(rule.errorMessage.expr, scope, diagnostics) ?? '';
    if (!/^[A-Z]/.test(message) || !/[.?!]$/.test(message.trim())) {
      diagnostics.push(
        error(
          'Invalid validation error message',
          'Validation error message must be at least one full English sentence starting with an uppercase letter and ending with a period or question mark.',
          rule.errorMessage.expr.range,
        ),
      );
      continue;
    }
    const own: Scope = { ...scope, variables: { var: objectOf({ [decl.name]: assigned.value }) } };
    const { value, diagnostics: d } = evaluate(rule.condition.expr, own);
    diagnostics.push(...d);
    if (!isKnown(value) || isNull(value)) continue;
    if (asBool(value) === false) {
      diagnostics.push(
        error(
          `Invalid value for ${ORIGIN_WORD[assigned.origin]} variable`,
          `${message}\n\nThis was checked by the validation rule at ${formatRange(rule.typeRange)}.`,
          assigned.range ?? decl.nameRange,
        ),
      );
    }
  }
}

export function collectVariables(
  structure: HclStructure,
  options: { vars: [string, string][]; varFiles: string[] },
  autoVarFiles: string[],
  scope: Scope,
  host: TemplateHost,
): CollectedVariables {
  const diagnostics: Diagnostic[] = [];
  const types = new Map<string, HclType | undefined>();
  const assigned = new Map<string, Assigned>();
  const sensitive = new Set<string>();
  const descriptions = new Map<string, string | undefined>();
  /** Variables already reported (bad default): no second "unset" error for them. */
  const reported = new Set<string>();

  for (const decl of structure.variables.values()) {
    let type: HclType | undefined;
    if (decl.type) {
      const t = typeFromExpression(decl.type);
      diagnostics.push(...t.diagnostics);
      type = t.type;
    }
    types.set(decl.name, type);
    if (literalBool(decl.sensitive, scope, diagnostics)) sensitive.add(decl.name);
    descriptions.set(decl.name, literalString(decl.description, scope, diagnostics));
    if (decl.default) {
      const { value, diagnostics: d } = evaluate(decl.default.expr, {
        ...scope,
        variables: {},
        allowEnv: true,
      });
      diagnostics.push(...d);
      if (type && !isNull(value)) {
        const converted = convertValue(value, type);
        if ('error' in converted) {
          diagnostics.push(
            error(
              'Invalid default value for variable',
              `This default value is not compatible with the variable's type constraint: ${converted.error}.`,
              decl.default.expr.range,
            ),
          );
          reported.add(decl.name);
          continue;
        }
        assigned.set(decl.name, {
          value: converted.value,
          origin: 'default',
          range: decl.default.expr.range,
        });
      } else {
        // `default = null` gives the variable a (null) value: it is not required.
        assigned.set(decl.name, { value, origin: 'default', range: decl.default.expr.range });
      }
    }
  }

  const assign = (
    name: string,
    value: Value,
    origin: ValueOrigin,
    range: Range | undefined,
    attr?: Attribute,
  ) => {
    const type = types.get(name);
    if (type) {
      const converted = convertValue(value, type);
      if ('error' in converted) {
        diagnostics.push(
          error(
            origin === 'cmd' ? 'Invalid argument value for -var variable' : 'Invalid value for variable',
            `The value for ${name} is not compatible with the variable's type constraint: ${converted.error}.`,
            range ?? attr?.expr.range,
          ),
        );
        return;
      }
      value = converted.value;
    }
    assigned.set(name, { value, origin, range });
  };

  for (const decl of structure.variables.values()) {
    const raw = host.env(`PKR_VAR_${decl.name}`);
    if (raw === undefined) continue;
    const parsed = parseVariableValue(raw, types.get(decl.name), `PKR_VAR_${decl.name}`);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.value) assign(decl.name, parsed.value, 'env', undefined);
  }

  for (const file of [...autoVarFiles, ...options.varFiles]) {
    for (const a of readVarFile(file, host, scope, diagnostics)) {
      if (!structure.variables.has(a.name)) {
        diagnostics.push(
          warning(
            'Undefined variable',
            `A "${a.name}" variable was set but was not declared. To declare variable "${a.name}", ${VAR_FILE_HINT}.`,
            a.nameRange,
          ),
        );
        continue;
      }
      assign(a.name, a.value, 'varfile', a.range);
    }
  }

  for (const [name, raw] of options.vars) {
    if (!structure.variables.has(name)) {
      diagnostics.push(
        error(
          'Undefined -var variable',
          `A "${name}" variable was passed in the command line but was not found in known variables. To declare variable "${name}", ${VAR_FILE_HINT}`,
        ),
      );
      continue;
    }
    const parsed = parseVariableValue(raw, types.get(name), `-var ${name}`);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.value) assign(name, parsed.value, 'cmd', undefined);
  }

  const values: Record<string, Value> = {};
  const infos: VariableInfo[] = [];
  const sensitiveValues: string[] = [];
  for (const decl of structure.variables.values()) {
    const a = assigned.get(decl.name);
    if (!a && !reported.has(decl.name)) {
      diagnostics.push(
        error(
          `Unset variable "${decl.name}"`,
          'A used variable must be set or have a default value; see https://packer.io/docs/templates/hcl_templates/syntax for details.',
          decl.nameRange,
        ),
      );
    } else if (a) {
      checkValidations(decl, a, scope, diagnostics);
    }
    const isSensitive = sensitive.has(decl.name);
    const value = a?.value;
    if (value === undefined) values[decl.name] = unknownValue();
    else {
      values[decl.name] = isSensitive ? markSensitive(value) : value;
      if (isSensitive) sensitiveValues.push(...collectStrings(value).filter((s) => s !== ''));
    }
    const type = types.get(decl.name);
    infos.push({
      name: decl.name,
      displayName: `var.${decl.name}`,
      display: value === undefined ? '' : isSensitive ? '<sensitive>' : display(value),
      sensitive: isSensitive,
      required: value === undefined,
      type: type ? typeToString(type) : undefined,
      description: descriptions.get(decl.name),
      range: decl.nameRange,
    });
  }
  infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { values, infos, sensitiveValues, diagnostics };
}
