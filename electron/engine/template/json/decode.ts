/**
 * What Packer's JSON template parser does with values: Go's view of JSON values (types, `%v`),
 * mapstructure's decoding (strict and weak) with its error wording, and Go durations.
 */
import type { Node as JsonNode } from 'jsonc-parser';
import { goQuote } from '../hcl/gostrings';
import { formatFloatG } from '../gotemplate/values';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The value of a node, with Go's rule for duplicate keys (the last one wins). */
export function nodeValue(node: JsonNode): JsonValue {
  switch (node.type) {
    case 'object': {
      const out: { [key: string]: JsonValue } = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k && v) out[k.value as string] = nodeValue(v);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value as JsonValue;
  }
}

/** An object's properties as [key node, value node], last duplicate winning, in first-seen order. */
export function properties(node: JsonNode): Map<string, { key: JsonNode; value: JsonNode }> {
  const out = new Map<string, { key: JsonNode; value: JsonNode }>();
  for (const prop of node.children ?? []) {
    const [k, v] = prop.children ?? [];
    if (k && v) out.set(k.value as string, { key: k, value: v });
  }
  return out;
}

/** reflect.Kind names as mapstructure prints them. */
export function goKind(node: JsonNode): string {
  switch (node.type) {
    case 'object':
      return 'map';
    case 'array':
      return 'slice';
    case 'string':
      return 'string';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    default:
      return 'invalid';
  }
}

export function goTypeOf(node: JsonNode): string {
  switch (node.type) {
    case 'object':
      return 'map[string]interface {}';
    case 'array':
      return '[]interface {}';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    default:
      return 'interface {}';
  }
}

/** fmt's `%v` of a decoded JSON value. */
export function goV(value: JsonValue): string {
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatFloatG(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(goV).join(' ')}]`;
  const keys = Object.keys(value).sort();
  return `map[${keys.map((k) => `${k}:${goV(value[k])}`).join(' ')}]`;
}

/** strconv.FormatFloat(f, 'f', -1, 64): how weak decoding turns a JSON number into a string. */
export function formatFloatF(f: number): string {
  if (Number.isInteger(f) && Math.abs(f) < 1e21) return BigInt(f).toString();
  const s = String(f);
  if (!s.includes('e')) return s;
  const [m, e] = f.toExponential().split('e');
  const neg = m.startsWith('-');
  const digits = m.replace('-', '').replace('.', '');
  const exp = Number(e);
  const point = exp + 1;
  const body =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (neg ? '-' : '') + body;
}

/** One mapstructure error: the message and the node at fault. */
export interface DecodeError {
  message: string;
  node: JsonNode;
}

const unconvertible = (name: string, want: string, node: JsonNode) =>
  `'${name}' expected type '${want}', got unconvertible type '${goTypeOf(node)}', value: '${goV(nodeValue(node))}'`;

/** mapstructure's string decoding. */
export function decodeString(
  name: string,
  node: JsonNode,
  weak: boolean,
  errors: DecodeError[],
): string | undefined {
  if (node.type === 'null') return '';
  if (node.type === 'string') return node.value as string;
  if (weak && node.type === 'boolean') return node.value ? '1' : '0';
  if (weak && node.type === 'number') return formatFloatF(node.value as number);
  errors.push({ message: unconvertible(name, 'string', node), node });
  return undefined;
}

/** mapstructure's []string decoding (weak: a single value is lifted into a slice). */
export function decodeStringSlice(
  name: string,
  node: JsonNode,
  weak: boolean,
  errors: DecodeError[],
): { value: string; node: JsonNode }[] {
  if (node.type === 'null') return [];
  let elements: JsonNode[];
  if (node.type === 'array') elements = node.children ?? [];
  else if (!weak) {
    errors.push({ message: `'${name}': source data must be an array or slice, got ${goKind(node)}`, node });
    return [];
  } else if (node.type === 'object' && (node.children ?? []).length === 0) return [];
  else elements = [node];
  const out: { value: string; node: JsonNode }[] = [];
  elements.forEach((el, i) => {
    const v = decodeString(`${name}[${i}]`, el, weak, errors);
    if (v !== undefined) out.push({ value: v, node: el });
  });
  return out;
}

/** mapstructure's *bool decoding (strict, as for keep_input_artifact). */
export function decodeBoolPointer(name: string, node: JsonNode, errors: DecodeError[]): boolean | undefined {
  if (node.type === 'null') return undefined;
  if (node.type === 'boolean') return node.value as boolean;
  errors.push({ message: unconvertible(name, 'bool', node), node });
  return undefined;
}

/** mapstructure's map[string]interface{} decoding (weak: an empty list is an empty map, a list of maps merges). */
export function decodeMap(
  name: string,
  node: JsonNode,
  weak: boolean,
  errors: DecodeError[],
): Map<string, { key: JsonNode; value: JsonNode }> | undefined {
  if (node.type === 'null') return undefined;
  if (node.type === 'object') return properties(node);
  if (weak && node.type === 'array') {
    const merged = new Map<string, { key: JsonNode; value: JsonNode }>();
    (node.children ?? []).forEach((el, i) => {
      if (el.type !== 'object') {
        errors.push({ message: `'${name}[${i}]' expected a map, got '${goKind(el)}'`, node: el });
        return;
      }
      for (const [k, v] of properties(el)) merged.set(k, v);
    });
    return merged;
  }
  errors.push({ message: `'${name}' expected a map, got '${goKind(node)}'`, node });
  return undefined;
}

/** mapstructure's time.Duration decoding with the string-to-duration hook; nanoseconds. */
export function decodeDuration(name: string, node: JsonNode, weak: boolean, errors: DecodeError[]): number {
  if (node.type === 'null') return 0;
  if (node.type === 'string') {
    try {
      return parseGoDuration(node.value as string);
    } catch (e) {
      errors.push({ message: `error decoding '${name}': ${(e as Error).message}`, node });
      return 0;
    }
  }
  if (weak && node.type === 'number') return Math.trunc(node.value as number);
  if (weak && node.type === 'boolean') return node.value ? 1 : 0;
  errors.push({ message: unconvertible(name, 'time.Duration', node), node });
  return 0;
}

/** mapstructure's struct error: `N error(s) decoding:\n\n* …` with the lines sorted. */
export function mapstructureMessage(messages: string[]): string {
  const points = messages.map((m) => `* ${m}`).sort();
  return `${messages.length} error(s) decoding:\n\n${points.join('\n')}`;
}

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds, with Go's error messages. */
export function parseGoDuration(orig: string): number {
  const invalid = () => new Error(`time: invalid duration ${goQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0] >= '0' && s[0] <= '9'))) throw invalid();
    const m = /^(\d*)(\.(\d*))?/.exec(s)!;
    const intPart = m[1];
    const frac = m[3] ?? '';
    if (intPart === '' && (m[2] === undefined || frac === '')) throw invalid();
    s = s.slice(m[0].length);
    const unitMatch = /^[^0-9.]*/.exec(s)!;
    const unit = unitMatch[0];
    if (unit === '') throw new Error(`time: missing unit in duration ${goQuote(orig)}`);
    const scale = UNITS[unit];
    if (scale === undefined)
      throw new Error(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(orig)}`);
    s = s.slice(unit.length);
    total += Number(intPart || '0') * scale + (frac ? Number(`0.${frac}`) * scale : 0);
    if (total >= 2 ** 63) throw invalid();
  }
  return Math.trunc(neg ? -total : total);
}

/** Go's Duration.String(): `1h2m3.5s`, `150ms`, `0s`. */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  const sign = neg ? '-' : '';
  if (u < 1e9) {
    const [unit, div] = u < 1e3 ? ['ns', 1] : u < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    return `${sign}${trimFraction(u / (div as number))}${unit}`;
  }
  const h = Math.floor(u / 3600e9);
  u -= h * 3600e9;
  const m = Math.floor(u / 60e9);
  u -= m * 60e9;
  const secs = trimFraction(u / 1e9);
  if (h > 0) return `${sign}${h}h${m}m${secs}s`;
  if (m > 0) return `${sign}${m}m${secs}s`;
  return `${sign}${secs}s`;
}

function trimFraction(x: number): string {
  return String(Number(x.toFixed(9)));
}
