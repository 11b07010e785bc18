/**
 * The boot_command language (packer-plugin-sdk bootcommand/boot_command.pigeon), parsed the way
 * Packer's PEG parser does: `<wait…>`, `<xOn>`/`<xOff>` toggles, special keys, and anything else typed
 * literally character by character. Prepare uses it to reject non-positive waits; the qemu builder
 * can use the same steps to type the command.
 */
import { formatGoDurationNs, nsToMs, parseGoDurationNs } from './go';

export type KeyAction = 'press' | 'on' | 'off';

export type BootStep =
  /** Wait this many milliseconds (`<wait>` = 1 s, `<wait5>` = 5 s, `<wait1m30s>`). */
  | { kind: 'wait'; ms: number; ns: bigint }
  /** A named key (lower-cased, e.g. `enter`, `leftctrl`, `f10`). */
  | { kind: 'special'; key: string; action: KeyAction }
  /** One character (a Unicode code point). */
  | { kind: 'char'; char: string; action: KeyAction };

export interface ParsedBootCommand {
  steps: BootStep[];
  /** Parse failures (an unparseable `<wait…>` duration). */
  errors: string[];
}

/** The special key names in the grammar's order (the first prefix that matches wins). */
export const SPECIAL_KEYS = [
  'bs',
  'del',
  'enter',
  'esc',
  'f10',
  'f11',
  'f12',
  'f1',
  'f2',
  'f3',
  'f4',
  'f5',
  'f6',
  'f7',
  'f8',
  'f9',
  'return',
  'tab',
  'up',
  'down',
  'spacebar',
  'insert',
  'home',
  'end',
  'pageUp',
  'pageDown',
  'leftAlt',
  'leftCtrl',
  'leftShift',
  'rightAlt',
  'rightCtrl',
  'rightShift',
  'leftSuper',
  'rightSuper',
  'leftCommand',
  'rightCommand',
  'leftOption',
  'rightOption',
  'left',
  'right',
  'menu',
] as const;

const TIME_UNITS = ['ns', 'us', 'µs', 'ms', 's', 'm', 'h'];
const SECOND_NS = 1_000_000_000n;

export function parseBootCommand(command: string): ParsedBootCommand {
  return scanBootCommand(command, true);
}

/** A surrogate pair: only then do code points differ from UTF-16 code units. */
const SURROGATE = /[\ud800-\udfff]/;

/**
 * The parser proper. `allSteps` false keeps only the wait steps: prepare checks a command on every
 * validate, and one object per typed character was most of what that allocated.
 */
function scanBootCommand(command: string, allSteps: boolean): ParsedBootCommand {
  // Code points; a string indexes as the same thing when it has no surrogates (no array to build).
  const chars: ArrayLike<string> = SURROGATE.test(command) ? [...command] : command;
  const slice = (from: number, to: number): string =>
    typeof chars === 'string' ? chars.slice(from, to) : Array.prototype.slice.call(chars, from, to).join('');
  const steps: BootStep[] = [];
  const errors: string[] = [];
  let i = 0;
  // Called for every special key at every '<': compares code point by code point, allocating nothing.
  const startsWithAt = (at: number, word: string, ignoreCase: boolean): boolean => {
    let k = at;
    for (const w of word) {
      const c = chars[k++];
      if (c === undefined) return false;
      if (c !== w && !(ignoreCase && c.toLowerCase() === w.toLowerCase())) return false;
    }
    return true;
  };
  const onOff = (at: number): { action: KeyAction; length: number } | undefined => {
    if (startsWithAt(at, 'on', true)) return { action: 'on', length: 2 };
    if (startsWithAt(at, 'off', true)) return { action: 'off', length: 3 };
    return undefined;
  };
  const integerAt = (at: number): number => {
    if (chars[at] === '0') return 1;
    let n = 0;
    if (chars[at] !== undefined && chars[at] >= '1' && chars[at] <= '9') {
      n = 1;
      while (chars[at + n] !== undefined && chars[at + n] >= '0' && chars[at + n] <= '9') n++;
    }
    return n;
  };
  const durationAt = (at: number): number => {
    let j = at;
    let repetitions = 0;
    for (;;) {
      let k = j;
      if (chars[k] === '-') k++;
      const whole = integerAt(k);
      if (whole === 0) break;
      k += whole;
      if (chars[k] === '.' && chars[k + 1] !== undefined && /[0-9]/.test(chars[k + 1])) {
        k += 2;
        while (chars[k] !== undefined && /[0-9]/.test(chars[k])) k++;
      }
      const unit = TIME_UNITS.find((u) => startsWithAt(k, u, false));
      if (unit === undefined) break;
      j = k + [...unit].length;
      repetitions++;
    }
    return repetitions > 0 ? j - at : 0;
  };

  while (i < chars.length) {
    if (chars[i] === '<') {
      // Wait = "<" "wait" (Duration / Integer)? ">"
      if (startsWithAt(i + 1, 'wait', false)) {
        const at = i + 5;
        let ns = SECOND_NS;
        let length = durationAt(at);
        if (length > 0) {
          const text = slice(at, at + length);
          const parsed = parseGoDurationNs(text);
          if (parsed.ok) ns = parsed.value;
          else errors.push(`1:${at + 1} (${at}): rule Duration: ${parsed.error}`);
        } else {
          length = integerAt(at);
          // `<wait0>` matches the bare '0' alternative, which has no action: it waits the default second.
          if (length > 0 && chars[at] !== '0') ns = BigInt(slice(at, at + length)) * SECOND_NS;
        }
        if (chars[at + length] === '>') {
          steps.push({ kind: 'wait', ns, ms: nsToMs(ns) });
          i = at + length + 1;
          continue;
        }
      }
      // CharToggle = "<" Literal (On / Off) ">"
      if (chars[i + 1] !== undefined) {
        const toggle = onOff(i + 2);
        if (toggle && chars[i + 2 + toggle.length] === '>') {
          if (allSteps) steps.push({ kind: 'char', char: chars[i + 1], action: toggle.action });
          i += 3 + toggle.length;
          continue;
        }
      }
      // Special = "<" SpecialKey (On / Off)? ">"
      const key = SPECIAL_KEYS.find((k) => startsWithAt(i + 1, k, true));
      if (key) {
        let at = i + 1 + key.length;
        const toggle = onOff(at);
        if (toggle) at += toggle.length;
        if (chars[at] === '>') {
          if (allSteps)
            steps.push({ kind: 'special', key: key.toLowerCase(), action: toggle?.action ?? 'press' });
          i = at + 1;
          continue;
        }
      }
    }
    if (allSteps) steps.push({ kind: 'char', char: chars[i], action: 'press' });
    i++;
  }
  return { steps, errors };
}

/** BootConfig.Prepare's checks of the joined boot_command: parse errors, then non-positive waits. */
export function bootCommandErrors(command: string): string[] {
  const parsed = scanBootCommand(command, false);
  if (parsed.errors.length > 0) return parsed.errors;
  return parsed.steps
    .filter((step): step is Extract<BootStep, { kind: 'wait' }> => step.kind === 'wait' && step.ns <= 0n)
    .map((step) => `Expecting a positive wait value. Got ${formatGoDurationNs(step.ns)}`);
}
