/**
 * Typing a boot_command into the VM, with Packer's grammar and timing (packer-plugin-sdk bootcommand:
 * the PEG parser, vnc_driver.go): the command is rendered as a Go template first (`{{ .HTTPIP }}`,
 * `{{ .HTTPPort }}`, `{{ .Name }}`, `{{ .SSHPublicKey }}`), parsed into waits, special keys with
 * on/off, and literal characters, then typed one key event at a time with `interval` after every
 * event (a press is down + up; a shifted character adds Left Shift around it). Packer sends X keysyms
 * over VNC; Kiln sends the same keys as QMP key events (US layout), which needs no VNC connection.
 */
import type { BootStep } from '../template/schema/bootcommand';
import { parseBootCommand } from '../template/schema/bootcommand';
import { parseGoDurationNs } from '../template/schema/go';

/** Characters Packer types with Left Shift held (besides upper-case letters). */
export const SHIFTED_CHARS = '~!@#$%^&*()_+{}|:"<>?';

/** Packer's special key names → QEMU key codes (QKeyCode). */
export const SPECIAL_QCODES: Readonly<Record<string, string>> = {
  bs: 'backspace',
  del: 'delete',
  down: 'down',
  end: 'end',
  enter: 'ret',
  esc: 'esc',
  f1: 'f1',
  f2: 'f2',
  f3: 'f3',
  f4: 'f4',
  f5: 'f5',
  f6: 'f6',
  f7: 'f7',
  f8: 'f8',
  f9: 'f9',
  f10: 'f10',
  f11: 'f11',
  f12: 'f12',
  home: 'home',
  insert: 'insert',
  left: 'left',
  leftalt: 'alt',
  leftctrl: 'ctrl',
  leftshift: 'shift',
  leftsuper: 'meta_l',
  menu: 'menu',
  pagedown: 'pgdn',
  pageup: 'pgup',
  return: 'ret',
  right: 'right',
  rightalt: 'alt_r',
  rightctrl: 'ctrl_r',
  rightshift: 'shift_r',
  rightsuper: 'meta_r',
  spacebar: 'spc',
  tab: 'tab',
  up: 'up',
  // Packer maps the Mac names to Alt and Meta keysyms.
  leftcommand: 'alt',
  rightcommand: 'alt_r',
  leftoption: 'meta_l',
  rightoption: 'meta_r',
};

/** The key a character is on in the US layout (shifted characters share their base key). */
const CHAR_QCODES: Record<string, string> = {
  ' ': 'spc',
  '-': 'minus',
  _: 'minus',
  '=': 'equal',
  '+': 'equal',
  '[': 'bracket_left',
  '{': 'bracket_left',
  ']': 'bracket_right',
  '}': 'bracket_right',
  '\\': 'backslash',
  '|': 'backslash',
  ';': 'semicolon',
  ':': 'semicolon',
  "'": 'apostrophe',
  '"': 'apostrophe',
  '`': 'grave_accent',
  '~': 'grave_accent',
  ',': 'comma',
  '<': 'comma',
  '.': 'dot',
  '>': 'dot',
  '/': 'slash',
  '?': 'slash',
  '!': '1',
  '@': '2',
  '#': '3',
  $: '4',
  '%': '5',
  '^': '6',
  '&': '7',
  '*': '8',
  '(': '9',
  ')': '0',
  // A line break or tab inside the command (a heredoc) types Enter or Tab.
  '\n': 'ret',
  '\r': 'ret',
  '\t': 'tab',
};

/** The QKeyCode of a character, and whether Packer holds Shift for it; undefined if it has no key. */
export function charKey(char: string): { qcode: string; shift: boolean } | undefined {
  const shift = (char !== char.toLowerCase() && char === char.toUpperCase()) || SHIFTED_CHARS.includes(char);
  const lower = char.toLowerCase();
  if (/^[a-z0-9]$/.test(lower)) return { qcode: lower, shift };
  const qcode = CHAR_QCODES[char];
  return qcode ? { qcode, shift } : undefined;
}

/** The delay after each key event: boot_key_interval, else PACKER_KEY_INTERVAL, else 100 ms. */
export function keyInterval(bootKeyIntervalMs: number, env: NodeJS.ProcessEnv = process.env): number {
  if (bootKeyIntervalMs > 0) return bootKeyIntervalMs;
  const fromEnv = env.PACKER_KEY_INTERVAL;
  if (fromEnv !== undefined) {
    const parsed = parseGoDurationNs(fromEnv);
    if (parsed.ok) return Number(parsed.value / 1_000_000n);
  }
  return 100;
}

/** Where key events go (QMP input-send-event, or a test's recorder). */
export interface KeySink {
  key(qcode: string, down: boolean): Promise<void>;
}

/** One step of typing, for the UI. */
export interface TypedKey {
  /** A character, `<enter>`-style special, or `<wait 1s>`. Characters of a sensitive value are `*`. */
  key: string;
  action: 'press' | 'down' | 'up' | 'wait';
  index: number;
  total: number;
}

export interface TypeOptions {
  sink: KeySink;
  /** Milliseconds after every key event. */
  intervalMs: number;
  signal?: AbortSignal;
  /** Called before each step is typed. */
  onKey?: (key: TypedKey) => void;
  /** Character positions (in the rendered command) that belong to sensitive values. */
  sensitive?: (index: number) => boolean;
  /** Called for characters that have no key (logged, skipped). */
  onUntypeable?: (char: string) => void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describeWait(ms: number): string {
  return ms % 1000 === 0 ? `<wait ${ms / 1000}s>` : `<wait ${ms}ms>`;
}

/** Parses a rendered command into steps, with each step's position in the text. */
export function bootSteps(command: string): Array<{ step: BootStep; at: number }> {
  const { steps, errors } = parseBootCommand(command);
  if (errors.length) throw new Error(`Error preparing boot command: ${errors.join('; ')}`);
  // Positions: re-walk the text the way the parser consumed it.
  const chars = [...command];
  const out: Array<{ step: BootStep; at: number }> = [];
  let at = 0;
  for (const step of steps) {
    out.push({ step, at });
    if (step.kind === 'char' && step.action === 'press') {
      at += 1;
      continue;
    }
    // A bracketed step: skip to its closing '>'.
    let j = at;
    while (j < chars.length && chars[j] !== '>') j++;
    at = j + 1;
  }
  return out;
}

/** Types a rendered boot command. Resolves when done; rejects on cancel or a key failure. */
export async function typeBootCommand(command: string, options: TypeOptions): Promise<void> {
  const steps = bootSteps(command);
  const { sink, intervalMs, signal } = options;
  const event = async (qcode: string, down: boolean) => {
    signal?.throwIfAborted();
    await sink.key(qcode, down);
    await sleep(intervalMs, signal);
  };
  for (const [index, { step, at }] of steps.entries()) {
    signal?.throwIfAborted();
    const total = steps.length;
    if (step.kind === 'wait') {
      options.onKey?.({ key: describeWait(step.ms), action: 'wait', index, total });
      await sleep(step.ms, signal);
      continue;
    }
    const action = step.action === 'on' ? 'down' : step.action === 'off' ? 'up' : 'press';
    if (step.kind === 'special') {
      const qcode = SPECIAL_QCODES[step.key];
      if (!qcode) throw new Error(`Error running boot command: special ${step.key} not found.`);
      options.onKey?.({ key: `<${step.key}>`, action, index, total });
      if (step.action !== 'off') await event(qcode, true);
      if (step.action !== 'on') await event(qcode, false);
      continue;
    }
    const shown = options.sensitive?.(at) ? '*' : step.char;
    const key = charKey(step.char);
    if (!key) {
      options.onUntypeable?.(shown);
      continue;
    }
    options.onKey?.({ key: shown, action, index, total });
    if (step.action !== 'off') {
      if (key.shift) await event('shift', true);
      await event(key.qcode, true);
    }
    if (step.action !== 'on') {
      await event(key.qcode, false);
      if (key.shift) await event('shift', false);
    }
  }
}
