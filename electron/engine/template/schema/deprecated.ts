/**
 * Keys Packer removed but still recognises: instead of `unknown configuration key` it says
 * `Deprecated configuration key: …` and points to `packer fix`. Kiln has no `fix` command, so each
 * entry also says the concrete change, and offers it as a quick fix.
 */
import { isUnknown, type ConfigObject, type ConfigValue } from '../config';

/** The plugin-id globs and their deprecated keys (packer-plugin-sdk template/config/deprecated_options.go). */
const DEPRECATED_OPTIONS: Record<string, readonly string[]> = {
  '*': [
    'iso_md5',
    'ssh_key_path',
    'ssh_disable_agent',
    'ssh_host_port_min',
    'ssh_host_port_max',
    'ssh_skip_nat_mapping',
    'ssh_wait_timeout',
    'iso_checksum_url',
    'iso_checksum_type',
  ],
  '*amazon*': [
    'shutdown_behaviour',
    'enhanced_networking',
    'ssh_private_ip',
    'temporary_security_group_source_cidr',
    'clean_ami_name',
    'spot_price_auto_product',
  ],
  'packer.post-processor.manifest': ['filename'],
  'transcend.qemu': ['ssh_host_port_max', 'ssh_host_port_min'],
};

/** go-glob: `*` matches any run of characters; nothing else is special. */
function globMatch(pattern: string, subject: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === subject;
  if (!subject.startsWith(parts[0])) return false;
  let rest = subject.slice(parts[0].length);
  for (let i = 1; i < parts.length - 1; i++) {
    const at = rest.indexOf(parts[i]);
    if (at < 0) return false;
    rest = rest.slice(at + parts[i].length);
  }
  return rest.endsWith(parts[parts.length - 1]);
}

export function isDeprecatedOption(pluginId: string, key: string): boolean {
  if (pluginId === '') return false;
  return Object.entries(DEPRECATED_OPTIONS).some(
    ([pattern, keys]) => globMatch(pattern, pluginId) && keys.includes(key),
  );
}

export function deprecatedKeyMessage(key: string): string {
  return (
    `Deprecated configuration key: '${key}'. Please call \`packer fix\` against your template to update ` +
    `your template to be compatible with the current version of Packer. Visit ` +
    `https://www.packer.io/docs/commands/fix/ for more detail.`
  );
}

/** A change to a component's config that brings it up to date. */
export interface ConfigFix {
  title: string;
  /** The key whose diagnostic offers the fix. */
  key: string;
  remove: string[];
  set: Record<string, ConfigValue>;
}

const text = (value: ConfigValue | undefined): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

const renames: Record<string, string> = {
  ssh_key_path: 'ssh_private_key_file',
  ssh_disable_agent: 'ssh_disable_agent_forwarding',
  ssh_skip_nat_mapping: 'skip_nat_mapping',
  ssh_wait_timeout: 'ssh_timeout',
  ssh_host_port_min: 'host_port_min',
  ssh_host_port_max: 'host_port_max',
  filename: 'output',
};

/** The fix `packer fix` would make for a removed key, worked out on the raw config. */
export function fixForDeprecatedKey(key: string, raw: ConfigObject): ConfigFix | undefined {
  const value = raw[key];
  if (isUnknown(value)) return undefined;
  if (key === 'iso_checksum_type' || key === 'iso_checksum_url') {
    // fixer_iso_checksum_type_and_url.go: a URL wins, else `<type>:<checksum>`.
    const url = text(raw.iso_checksum_url);
    const type = text(raw.iso_checksum_type);
    const checksum = text(raw.iso_checksum) ?? '';
    const remove = ['iso_checksum_type', 'iso_checksum_url'].filter((k) => k in raw);
    let folded: string;
    if (url) folded = `file:${url}`;
    else if (type === 'none') folded = 'none';
    else if (type) folded = `${type}:${checksum}`;
    else return undefined;
    return {
      title: `Fold "${key}" into "iso_checksum"`,
      key,
      remove,
      set: { iso_checksum: folded },
    };
  }
  if (key === 'iso_md5') {
    const md5 = text(value);
    if (md5 === undefined) return undefined;
    return {
      title: 'Replace "iso_md5" by "iso_checksum"',
      key,
      remove: [key],
      set: { iso_checksum: `md5:${md5}` },
    };
  }
  const replacement = renames[key];
  if (replacement === undefined) return undefined;
  return {
    title: `Rename "${key}" to "${replacement}"`,
    key,
    remove: [key],
    set: { [replacement]: value },
  };
}

/** One sentence describing a fix, appended to Packer's message. */
export function describeFix(fix: ConfigFix): string {
  const sets = Object.entries(fix.set).map(([k, v]) => `"${k}" = ${JSON.stringify(v)}`);
  const removes = fix.remove.filter((k) => !(k in fix.set)).map((k) => `"${k}"`);
  return `To fix it, remove ${removes.join(' and ')} and set ${sets.join(', ')}.`;
}
