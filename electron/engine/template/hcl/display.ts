/**
 * Showing values the way `packer console` does in HCL2 mode (hcl2template PrintableCtyValue: the value
 * goes through hcl2shim.ConfigValueFromHCL2 and repl.FormatResult), and turning values into the plain
 * ConfigValue shapes the rest of the engine consumes.
 */
import { UNKNOWN, type ConfigValue } from '../config';
import type { BigFloat } from './bignum';
import { goFormatFloatG, goQuote } from './gostrings';
import { compareStrings } from './types';
import { SENSITIVE, type Value } from './values';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A number as Packer's shim passes it on: an int when exactly one, otherwise a float64 printed with %g. */
function displayNumber(n: BigFloat): string {
  const i = n.toBigInt();
  if (i && i.accuracy === 0 && i.value >= INT64_MIN && i.value <= INT64_MAX) return i.value.toString();
  return goFormatFloatG(n.toFloat64());
}

const SENSITIVE_TEXT = '<sensitive>';

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => '  ' + line)
    .join('\n');
}

function format(value: Value, nested: boolean): string | undefined {
  if (value.hasMark(SENSITIVE)) {
    // Packer masks the secret's text where it is printed, so a nested string keeps its quotes.
    return nested && value.type.kind === 'string' ? goQuote(SENSITIVE_TEXT) : SENSITIVE_TEXT;
  }
  if (value.isNull()) return undefined;
  switch (value.type.kind) {
    case 'string':
      return nested ? goQuote(value.asString()) : value.asString();
    case 'number':
      return displayNumber(value.asNumber());
    case 'bool':
      return value.asBool() ? 'true' : 'false';
    case 'list':
    case 'set':
    case 'tuple': {
      const items = value.elements();
      if (items.length === 0) return '[]';
      return '[\n' + items.map((v) => indent(format(v, true) ?? 'null') + ',\n').join('') + ']';
    }
    case 'map':
    case 'object': {
      // The shim drops null attributes; the printer sorts keys.
      const entries = value
        .entries()
        .map(([k, v]) => [k, format(v, true)] as const)
        .filter((e): e is readonly [string, string] => e[1] !== undefined)
        .sort(([a], [b]) => compareStrings(a, b));
      if (entries.length === 0) return '{}';
      return '{\n' + entries.map(([k, v]) => indent(`${goQuote(k)} = ${v}`) + '\n').join('') + '}';
    }
    default:
      return undefined;
  }
}

/**
 * The text `packer console` prints for a value: `<unknown>` when anything in it is unknown, strings raw
 * at the top level and quoted inside collections, `<sensitive>` for values marked sensitive.
 */
export function displayValue(value: Value): string {
  if (value.hasMark(SENSITIVE)) return SENSITIVE_TEXT;
  if (!value.isWhollyKnown()) return '<unknown>';
  return format(value, false) ?? 'null';
}

/**
 * The value as configuration: unknown values (at any depth) become UNKNOWN, numbers JS numbers (the
 * nearest double), lists, sets and tuples arrays, maps and objects plain objects. Marks are dropped;
 * use `containsSensitive` to decide whether to redact.
 */
export function toConfigValue(value: Value): ConfigValue {
  if (!value.isKnown()) return UNKNOWN;
  if (value.isNull()) return null;
  switch (value.type.kind) {
    case 'string':
      return value.asString();
    case 'number':
      return value.asNumber().toFloat64();
    case 'bool':
      return value.asBool();
    case 'list':
    case 'set':
    case 'tuple':
      return value.elements().map(toConfigValue);
    case 'map':
    case 'object': {
      const out: Record<string, ConfigValue> = {};
      for (const [k, v] of value.entries()) {
        Object.defineProperty(out, k, {
          value: toConfigValue(v),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    default:
      return UNKNOWN;
  }
}

/** True when the value or anything inside it is marked sensitive. */
export function containsSensitive(value: Value): boolean {
  return value.unmarkDeep()[1].has(SENSITIVE);
}
