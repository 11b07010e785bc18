/**
 * Locals (`locals {}` and `local "x" {}`), evaluated in dependency order: a local is evaluated once every
 * local it refers to has a value; what is left after that (a cycle) is reported, as Packer does.
 */
import type { Diagnostic } from '../source';
import { error } from '../source';
import type { HclStructure, LocalDecl } from './structure';
import type { Scope, Value } from './evaluation';
import {
  asBool,
  evaluate,
  isKnown,
  markSensitive,
  objectValue,
  referencesOf,
  unknownValue,
} from './evaluation';

export interface EvaluatedLocals {
  values: Record<string, Value>;
  sensitive: Set<string>;
  diagnostics: Diagnostic[];
}

export function evaluateLocals(structure: HclStructure, scope: Scope): EvaluatedLocals {
  const diagnostics: Diagnostic[] = [];
  const values: Record<string, Value> = {};
  const sensitive = new Set<string>();
  const pending = new Map<string, LocalDecl>(structure.locals);
  const needs = new Map<string, string[]>();
  for (const [name, decl] of pending) {
    needs.set(
      name,
      referencesOf(decl.expr)
        .filter((r) => r.root === 'local' && r.name !== undefined)
        .map((r) => r.name as string),
    );
  }
  const evaluateOne = (decl: LocalDecl) => {
    const { value, diagnostics: d } = evaluate(decl.expr, {
      ...scope,
      variables: { ...scope.variables, local: objectValue(values) },
    });
    diagnostics.push(...d);
    let isSensitive = false;
    if (decl.sensitive) {
      const s = evaluate(decl.sensitive, scope);
      diagnostics.push(...s.diagnostics);
      isSensitive = isKnown(s.value) && asBool(s.value) === true;
    }
    if (isSensitive) sensitive.add(decl.name);
    values[decl.name] = isSensitive ? markSensitive(value) : value;
    pending.delete(decl.name);
  };
  let progressed = true;
  while (pending.size > 0 && progressed) {
    progressed = false;
    for (const [name, decl] of [...pending]) {
      const deps = needs.get(name) ?? [];
      if (deps.every((dep) => dep in values || !structure.locals.has(dep))) {
        evaluateOne(decl);
        progressed = true;
      }
    }
  }
  for (const decl of pending.values()) {
    diagnostics.push(
      error(
        'Max local recursion depth exceeded.',
        `The local "${decl.name}" depends on itself through other locals: ${(needs.get(decl.name) ?? []).map((n) => `local.${n}`).join(', ')}.`,
        decl.nameRange,
      ),
    );
    values[decl.name] = unknownValue();
  }
  return { values, sensitive, diagnostics };
}
