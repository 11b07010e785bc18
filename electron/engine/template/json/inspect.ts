/** `packer inspect` for a JSON template (packer Core.InspectConfig), human and -machine-readable. */
import type { LoadedJsonTemplate } from './load';

export interface InspectOptions {
  machineReadable?: boolean;
  /** Unix seconds for machine-readable lines; defaults to the host's clock. */
  timestamp?: number;
}

/** Packer's machine-readable escaping of one field. */
function machineField(s: string): string {
  return s.replace(/,/g, '%!(PACKER_COMMA)').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** The exact text `packer inspect` prints for a JSON template. */
export function inspectJson(template: LoadedJsonTemplate, options: InspectOptions = {}): string {
  const ts = options.timestamp ?? Math.floor(template.host.now().getTime() / 1000);
  const lines: string[] = [];
  const say = (msg: string) => {
    if (options.machineReadable) lines.push(`${ts},,ui,say,${machineField(msg)}\n`);
    else lines.push(msg + '\n');
  };
  const machine = (type: string, ...args: string[]) => {
    if (options.machineReadable) lines.push(`${ts},,${type},${args.map(machineField).join(',')}\n`);
  };
  const { json } = template;
  say('Packer Inspect: JSON mode');
  if (json.description !== '') {
    say('Description:\n');
    say(json.description + '\n');
  }
  const variables = [...json.variables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (variables.length === 0) {
    say('Variables:\n');
    say('  <No variables>');
  } else {
    // Packer masks a variable when its default equals a sensitive variable's default.
    const secrets = new Set(json.variables.filter((v) => v.sensitive).map((v) => v.default));
    const shown = (v: (typeof variables)[number]) =>
      v.sensitive || (v.default !== '' && secrets.has(v.default)) ? '<sensitive>' : v.default;
    const required = variables.filter((v) => v.required);
    if (required.length > 0) {
      say('Required variables:\n');
      for (const v of required) {
        machine('template-variable', v.name, shown(v), '1');
        say('  ' + v.name);
      }
      say('');
    }
    say('Optional variables and their defaults:\n');
    const width = Math.max(...variables.map((v) => v.name.length));
    for (const v of variables) {
      if (v.required) continue;
      machine('template-variable', v.name, shown(v), '0');
      say(`  ${v.name}${' '.repeat(width - v.name.length)} = ${shown(v)}`);
    }
  }
  say('');
  say('Builders:\n');
  if (json.builders.length === 0) say('  <No builders>');
  else {
    const builders = [...json.builders].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const width = Math.max(...builders.map((b) => b.name.length));
    for (const b of builders) {
      let out = `  ${b.name}${' '.repeat(width - b.name.length)}`;
      if (b.name !== b.type) out = `${out} (${b.type})`;
      machine('template-builder', b.name, b.type);
      say(out);
    }
  }
  say('');
  say('Provisioners:\n');
  if (json.provisioners.length === 0) say('  <No provisioners>');
  else {
    for (const p of json.provisioners) {
      machine('template-provisioner', p.type);
      say(`  ${p.type}`);
    }
  }
  say(
    "\nNote: If your build names contain user variables or template\nfunctions such as 'timestamp', these are processed at build time,\nand therefore only show in their raw form here.",
  );
  return lines.join('');
}
