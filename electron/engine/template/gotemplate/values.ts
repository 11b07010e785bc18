/**
 * Go values as text/template sees them, in JavaScript:
 * - `undefined`: Go's invalid reflect.Value (printed `<no value>`, e.g. a missing map key),
 * - `null`: a nil interface (printed `<nil>`),
 * - string, boolean, number (a Go `int`), GoFloat (a `float64`),
 * - arrays (`[]interface {}`), plain objects (`map[string]interface {}`), GoStruct (a named struct:
 *   an unknown field is an error, as for Packer's `{{.Vars}}`/`{{.Path}}` data).
 */

export class GoFloat {
  constructor(readonly value: number) {}
}

export class GoStruct {
  constructor(
    /** Go's type name as text/template prints it, e.g. `*shell.ExecuteCommandTemplate`. */
    readonly typeName: string,
    readonly fields: Readonly<Record<string, GoValue>>,
  ) {}
}

export type GoValue =
  | undefined
  | null
  | string
  | number
  | boolean
  | GoFloat
  | GoStruct
  | GoValue[]
  | { readonly [key: string]: GoValue };

export function isGoMap(v: GoValue): v is { readonly [key: string]: GoValue } {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof GoFloat) &&
    !(v instanceof GoStruct)
  );
}

/** Go's type name of a value, for messages such as `wrong type for value; expected string; got int`. */
export function goTypeName(v: GoValue): string {
  if (v === undefined) return '<invalid reflect.Value>';
  if (v === null) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  if (v instanceof GoFloat) return 'float64';
  if (v instanceof GoStruct) return v.typeName;
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** fmt's `%v` of a float64 (strconv 'g', shortest): exponent form below 1e-4 and from 1e6, as Go prints. */
export function formatFloatG(f: number, eprecShortest = 6): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mant, expText] = f.toExponential().split('e');
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= eprecShortest) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
    return `${neg ? '-' : ''}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  return `${neg ? '-' : ''}${fixedFromDigits(digits, exp)}`;
}

/** Digits d1d2d3... with decimal exponent exp (value d1.d2d3 × 10^exp) in plain decimal notation. */
export function fixedFromDigits(digits: string, exp: number): string {
  const pointAt = exp + 1;
  if (pointAt <= 0) return `0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return digits + '0'.repeat(pointAt - digits.length);
  return `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/** fmt's `%v` of a value, as text/template prints an action's result. */
export function formatValue(v: GoValue, top = true): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(Math.trunc(v));
  if (v instanceof GoFloat) return formatFloatG(v.value);
  if (v instanceof GoStruct)
    return `{${Object.values(v.fields)
      .map((f) => formatValue(f, false))
      .join(' ')}}`;
  if (Array.isArray(v)) return `[${v.map((e) => formatValue(e, false)).join(' ')}]`;
  const keys = Object.keys(v).sort();
  void top;
  return `map[${keys.map((k) => `${k}:${formatValue(v[k], false)}`).join(' ')}]`;
}

/** text/template's truth: false, 0, nil, empty string/slice/map and no value are false. */
export function isTrue(v: GoValue): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v instanceof GoFloat) return v.value !== 0;
  if (v instanceof GoStruct) return true;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/** Converts plain JSON-like data (numbers that are not integers become float64) into Go values. */
export function toGoValue(value: unknown): GoValue {
  if (value === undefined || value === null) return value;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? value : new GoFloat(value);
  if (value instanceof GoFloat || value instanceof GoStruct) return value;
  if (Array.isArray(value)) return value.map(toGoValue);
  if (typeof value === 'object') {
    const out: Record<string, GoValue> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toGoValue(v);
    return out;
  }
  return String(value);
}
