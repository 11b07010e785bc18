/**
 * The communicator keys every builder embeds (packer-plugin-sdk communicator.Config): how Packer reaches
 * the machine to provision it. Kiln speaks SSH and `none`; WinRM and the docker communicators are
 * known (so templates using them still load) but Kiln cannot connect with them.
 */
import { bool, duration, int, intList, known, str, stringList } from '../fields';
import { goQuote, parseGoInt } from '../go';
import { expandUser, statError } from '../paths';
import type { Draft, FieldsOf, PrepareContext } from '../types';

export interface SSHCommunicatorConfig {
  /** `ssh` (default), `none`, `winrm`, `docker`, `dockerWindowsContainer`. */
  communicator: string;
  /** Milliseconds. */
  pause_before_connecting: number;
  ssh_host: string;
  ssh_port: number;
  ssh_username: string;
  ssh_password: string;
  ssh_keypair_name: string;
  temporary_key_pair_name: string;
  temporary_key_pair_type: string;
  temporary_key_pair_bits: number;
  ssh_ciphers: string[];
  ssh_clear_authorized_keys: boolean;
  ssh_key_exchange_algorithms: string[];
  ssh_private_key_file: string;
  ssh_certificate_file: string;
  ssh_pty: boolean;
  /** Milliseconds; 0 = wait forever (only when ssh_handshake_attempts was set). */
  ssh_timeout: number;
  /** Milliseconds; deprecated alias that overrides ssh_timeout. */
  ssh_wait_timeout: number;
  ssh_agent_auth: boolean;
  ssh_disable_agent_forwarding: boolean;
  /** 0 = unlimited (only when ssh_timeout was set). */
  ssh_handshake_attempts: number;
  ssh_bastion_host: string;
  ssh_bastion_port: number;
  ssh_bastion_agent_auth: boolean;
  ssh_bastion_username: string;
  ssh_bastion_password: string;
  ssh_bastion_interactive: boolean;
  ssh_bastion_private_key_file: string;
  ssh_bastion_certificate_file: string;
  /** `scp` or `sftp`. */
  ssh_file_transfer_method: string;
  ssh_proxy_host: string;
  ssh_proxy_port: number;
  ssh_proxy_username: string;
  ssh_proxy_password: string;
  /** Milliseconds; negative disables keep-alives. */
  ssh_keep_alive_interval: number;
  /** Milliseconds; 0 = no limit. */
  ssh_read_write_timeout: number;
  ssh_remote_tunnels: string[];
  ssh_local_tunnels: string[];
  /** Internal (Packer fills it with the temporary key); bytes. */
  ssh_public_key: number[];
  /** Internal (Packer fills it with the temporary key); bytes. */
  ssh_private_key: number[];
}

export interface WinRMCommunicatorConfig {
  winrm_username: string;
  winrm_password: string;
  winrm_host: string;
  winrm_no_proxy: boolean;
  winrm_port: number;
  /** Milliseconds. */
  winrm_timeout: number;
  winrm_use_ssl: boolean;
  winrm_insecure: boolean;
  winrm_use_ntlm: boolean;
}

/** Everything a builder's communicator block accepts. */
export type CommunicatorConfig = SSHCommunicatorConfig & WinRMCommunicatorConfig;

export const COMMUNICATOR_TYPES = ['ssh', 'none', 'winrm', 'docker', 'dockerWindowsContainer'] as const;
const WINRM_NOTE =
  'Kiln has no WinRM communicator: a build using it stops when it tries to connect. Use `ssh` or `none`.';

export const SSH_FIELDS: FieldsOf<SSHCommunicatorConfig> = {
  communicator: str('How Packer talks to the machine: `ssh`, `none` or `winrm`.', {
    details:
      '`ssh` connects over SSH to run provisioners; `none` skips connecting (only local provisioners such as ' +
      '`shell-local` and `breakpoint` make sense then). Kiln does not support `winrm`, `docker` or ' +
      '`dockerWindowsContainer`.',
    default: { value: 'ssh', text: 'ssh' },
    allowed: COMMUNICATOR_TYPES,
  }),
  pause_before_connecting: duration(
    'Once SSH answers, disconnect and wait this long before connecting for real.',
    {
      details:
        'Useful when the guest restarts its SSH server after first boot. Packer prints `Pausing <d> before connecting...`.',
      default: { value: 0, text: '0s (no pause)' },
    },
  ),
  ssh_host: str(
    'The address to connect to; the builder normally finds it (127.0.0.1 with qemu port forwarding).',
  ),
  ssh_port: int('The SSH port in the guest.', { default: { value: 22, text: '22' } }),
  ssh_username: str('The user to log in as.', { required: 'when communicator is ssh' }),
  ssh_password: str('The password to log in with (also used for keyboard-interactive).', { sensitive: true }),
  ssh_keypair_name: str('Name of a key pair known to the platform (cloud builders).', { undocumented: true }),
  temporary_key_pair_name: str('Name of the temporary key pair (cloud builders).', { undocumented: true }),
  temporary_key_pair_type: str(
    'Type of the temporary SSH key Packer generates: `rsa`, `ecdsa`, `ed25519` or `dsa`.',
    {
      details:
        'Without `ssh_private_key_file`, the qemu builder generates a key pair for each build and exposes the ' +
        'public key as `{{ .SSHPublicKey }}` in `boot_command` (it is not installed in the guest for you).',
      default: { value: 'rsa', text: 'rsa' },
      allowed: ['rsa', 'ecdsa', 'ed25519', 'dsa'],
    },
  ),
  temporary_key_pair_bits: int(
    'Size of the temporary key: RSA at least 1024 (default 4096), ECDSA 256, 384 or 521.',
    {
      default: { value: 0, text: '4096 for RSA' },
    },
  ),
  ssh_ciphers: stringList('Replace the list of ciphers offered to the SSH server.'),
  ssh_clear_authorized_keys: bool(
    "Remove the temporary key from the guest's authorized_keys files after provisioning.",
    {
      default: { value: false, text: 'false' },
    },
  ),
  ssh_key_exchange_algorithms: stringList(
    'Replace the list of key-exchange algorithms offered to the SSH server.',
  ),
  ssh_private_key_file: str('A PEM private key file to log in with; `~` is expanded.', {
    path: 'file',
    sensitive: true,
  }),
  ssh_certificate_file: str('A user certificate to present with the private key; `~` is expanded.', {
    path: 'file',
  }),
  ssh_pty: bool('Ask for a pseudo-terminal for every command.', { default: { value: false, text: 'false' } }),
  ssh_timeout: duration('How long to keep trying to connect before giving up.', {
    details:
      'Packer fails with `Timeout waiting for SSH.` after this. When neither `ssh_timeout` nor ' +
      '`ssh_handshake_attempts` is set they default to 5m and 10; when only one is set, the other stays 0 ' +
      '(wait forever / unlimited attempts).',
    default: { value: 300000, text: '5m (when ssh_handshake_attempts is not set either)' },
  }),
  ssh_wait_timeout: duration('Deprecated alias of `ssh_timeout`; when set it wins.', {
    deprecated: {
      message: '`ssh_wait_timeout` is deprecated and overrides `ssh_timeout`; use `ssh_timeout` instead.',
      replacement: 'ssh_timeout',
    },
  }),
  ssh_agent_auth: bool('Authenticate with the local SSH agent (SSH_AUTH_SOCK).', {
    default: { value: false, text: 'false' },
  }),
  ssh_disable_agent_forwarding: bool('Do not forward the local SSH agent to the guest.', {
    default: { value: false, text: 'false' },
  }),
  ssh_handshake_attempts: int(
    'How many failed SSH handshakes (e.g. wrong password) to accept before failing.',
    {
      default: { value: 10, text: '10 (when ssh_timeout is not set either)' },
    },
  ),
  ssh_bastion_host: str('A bastion (jump) host to connect through.'),
  ssh_bastion_port: int("The bastion host's SSH port.", {
    default: { value: 22, text: '22 when a bastion is set' },
  }),
  ssh_bastion_agent_auth: bool('Authenticate to the bastion with the local SSH agent.'),
  ssh_bastion_username: str('The user on the bastion host.'),
  ssh_bastion_password: str('The password on the bastion host.', { sensitive: true }),
  ssh_bastion_interactive: bool('Use keyboard-interactive authentication with the bastion.'),
  ssh_bastion_private_key_file: str('A private key for the bastion; defaults to `ssh_private_key_file`.', {
    path: 'file',
  }),
  ssh_bastion_certificate_file: str('A user certificate for the bastion.', { path: 'file' }),
  ssh_file_transfer_method: str('How files are copied: `scp` or `sftp`.', {
    default: { value: 'scp', text: 'scp' },
    allowed: ['scp', 'sftp'],
  }),
  ssh_proxy_host: str('A SOCKS proxy to connect through.'),
  ssh_proxy_port: int('The SOCKS proxy port.', {
    default: { value: 1080, text: '1080 when a proxy is set' },
  }),
  ssh_proxy_username: str('The user for the SOCKS proxy.'),
  ssh_proxy_password: str('The password for the SOCKS proxy.', { sensitive: true }),
  ssh_keep_alive_interval: duration('How often to send keep-alive messages; negative disables them.', {
    default: { value: 5000, text: '5s' },
  }),
  ssh_read_write_timeout: duration(
    'Fail a remote command that produces nothing for this long (0 = no limit).',
    {
      details: 'Helps when a reboot leaves the connection hanging.',
      default: { value: 0, text: '0s (no limit)' },
    },
  ),
  ssh_remote_tunnels: stringList(
    'Ports of this machine to open in the guest: `REMOTE_PORT:LOCAL_HOST:LOCAL_PORT`.',
  ),
  ssh_local_tunnels: stringList(
    'Ports of the guest to open on this machine: `LOCAL_PORT:REMOTE_HOST:REMOTE_PORT`.',
  ),
  ssh_public_key: intList('Internal: the temporary public key.', { undocumented: true }),
  ssh_private_key: intList('Internal: the temporary private key.', { undocumented: true, sensitive: true }),
};

export const WINRM_FIELDS: FieldsOf<WinRMCommunicatorConfig> = {
  winrm_username: str('The user for WinRM.', { kiln: WINRM_NOTE }),
  winrm_password: str('The password for WinRM.', { kiln: WINRM_NOTE, sensitive: true }),
  winrm_host: str('The address for WinRM.', { kiln: WINRM_NOTE }),
  winrm_no_proxy: bool('Add the WinRM host to NO_PROXY.', { kiln: WINRM_NOTE }),
  winrm_port: int('The WinRM port.', {
    default: { value: 5985, text: '5985, or 5986 with winrm_use_ssl' },
    kiln: WINRM_NOTE,
  }),
  winrm_timeout: duration('How long to wait for WinRM.', {
    default: { value: 1800000, text: '30m' },
    kiln: WINRM_NOTE,
  }),
  winrm_use_ssl: bool('Use HTTPS for WinRM.', { kiln: WINRM_NOTE }),
  winrm_insecure: bool("Do not check the WinRM server's certificate.", { kiln: WINRM_NOTE }),
  winrm_use_ntlm: bool('Use NTLMv2 authentication for WinRM.', { kiln: WINRM_NOTE }),
};

export const COMMUNICATOR_FIELDS: FieldsOf<CommunicatorConfig> = { ...SSH_FIELDS, ...WINRM_FIELDS };

type Ctx = PrepareContext<CommunicatorConfig>;
type CommDraft = Draft<CommunicatorConfig>;

/** The host the communicator will use (communicator.Config.Host). */
export function communicatorHost(d: CommDraft): unknown {
  return d.communicator === 'ssh' ? d.ssh_host : d.communicator === 'winrm' ? d.winrm_host : '';
}

/** communicator.Config.Prepare: defaults and checks, in Packer's order. */
export function prepareCommunicator(ctx: Ctx): void {
  const d = ctx.draft;
  if (d.communicator === '') d.communicator = 'ssh';
  if (!known(d.communicator)) return;
  switch (d.communicator) {
    case 'ssh':
      prepareSSH(ctx);
      return;
    case 'winrm':
      prepareWinRM(ctx);
      ctx.note('warning', WINRM_NOTE, 'communicator', 'Kiln cannot use this communicator');
      return;
    case 'docker':
    case 'dockerWindowsContainer':
      ctx.note(
        'warning',
        `Kiln has no ${d.communicator} communicator (it belongs to the docker builder): a build using it stops when it tries to connect.`,
        'communicator',
        'Kiln cannot use this communicator',
      );
      return;
    case 'none':
      return;
    default:
      ctx.error(`Communicator type ${d.communicator} is invalid`, 'communicator');
  }
}

function prepareSSH(ctx: Ctx): void {
  const d = ctx.draft;
  if (d.ssh_port === 0) d.ssh_port = 22;
  // Only default when neither is set: either one alone means "the other is unlimited".
  if (d.ssh_timeout === 0 && d.ssh_handshake_attempts === 0) {
    d.ssh_timeout = 5 * 60_000;
    d.ssh_handshake_attempts = 10;
  }
  if (d.ssh_keep_alive_interval === 0) d.ssh_keep_alive_interval = 5_000;

  if (d.ssh_private_key_file === '' && known(d.ssh_certificate_file) && d.ssh_certificate_file !== '') {
    ctx.error(
      'ssh_private_key_file must be specified if ssh_certificate_file is specified',
      'ssh_certificate_file',
    );
  }
  if (
    d.ssh_bastion_private_key_file === '' &&
    known(d.ssh_bastion_certificate_file) &&
    d.ssh_bastion_certificate_file !== ''
  ) {
    ctx.error(
      'ssh_bastion_private_key_file must be specified if ssh_bastion_certificate_file is specified',
      'ssh_bastion_certificate_file',
    );
  }
  const bastion = known(d.ssh_bastion_host) && d.ssh_bastion_host !== '';
  if (bastion) {
    if (d.ssh_bastion_port === 0) d.ssh_bastion_port = 22;
    if (d.ssh_bastion_private_key_file === '' && d.ssh_private_key_file !== '') {
      d.ssh_bastion_private_key_file = d.ssh_private_key_file;
      d.ssh_bastion_certificate_file = d.ssh_certificate_file;
    }
  }
  const proxy = known(d.ssh_proxy_host) && d.ssh_proxy_host !== '';
  if (proxy && d.ssh_proxy_port === 0) d.ssh_proxy_port = 1080;
  if (d.ssh_file_transfer_method === '') d.ssh_file_transfer_method = 'scp';
  if (d.ssh_wait_timeout !== 0) d.ssh_timeout = d.ssh_wait_timeout;

  if (d.ssh_username === '') {
    ctx.error(
      'An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".',
      'ssh_username',
    );
  }
  checkKeyFile(ctx, 'ssh_private_key_file', d.ssh_private_key_file);
  if (bastion) {
    if (
      d.ssh_bastion_password === '' &&
      d.ssh_bastion_private_key_file === '' &&
      d.ssh_bastion_agent_auth === false
    ) {
      ctx.error(
        'ssh_bastion_password, ssh_bastion_private_key_file or ssh_bastion_agent_auth must be specified',
        'ssh_bastion_host',
      );
    } else checkKeyFile(ctx, 'ssh_bastion_private_key_file', d.ssh_bastion_private_key_file);
  }
  const method = d.ssh_file_transfer_method;
  if (known(method) && method !== 'scp' && method !== 'sftp') {
    ctx.error(
      `ssh_file_transfer_method ('${method}') is invalid, valid methods: sftp, scp`,
      'ssh_file_transfer_method',
    );
  }
  if (bastion && proxy)
    ctx.error('please specify either ssh_bastion_host or ssh_proxy_host, not both', 'ssh_proxy_host');
  checkTunnels(ctx, 'ssh_local_tunnels', d.ssh_local_tunnels);
  checkTunnels(ctx, 'ssh_remote_tunnels', d.ssh_remote_tunnels);
  refuseUnsupported(ctx, d);

  // Packer checks the key type only when the build generates the key; Kiln says so at validate time.
  const keyType = d.temporary_key_pair_type;
  if (
    known(keyType) &&
    keyType !== '' &&
    !['dsa', 'ecdsa', 'ed25519', 'rsa'].includes(keyType.toLowerCase())
  ) {
    ctx.note(
      'warning',
      `${keyType} does not belong to Algorithm values: possible algorithm types are \`dsa\` | \`ecdsa\` | \`ed25519\` | \`rsa\` ( the default )`,
      'temporary_key_pair_type',
      'The build will fail when it generates the SSH key',
    );
  }
}

/**
 * Keys Packer honours that Kiln's SSH communicator does not: the template is valid Packer, so validate
 * warns, and the build's connect step refuses them (electron/engine/comm/config.ts) rather than connect
 * another way than the author asked (no proxy, no tunnel, no certificate).
 */
export const KILN_UNSUPPORTED_SSH: Array<[keyof SSHCommunicatorConfig, string]> = [
  ['ssh_certificate_file', 'SSH user certificates'],
  ['ssh_bastion_certificate_file', 'SSH user certificates'],
  ['ssh_bastion_interactive', 'keyboard-interactive authentication with a bastion'],
];

/** The unsupported keys a config sets, each with what it asks for. */
export function unsupportedSshKeys(config: Partial<Record<string, unknown>>): Array<[string, string]> {
  return KILN_UNSUPPORTED_SSH.filter(([key]) => {
    const value = config[key];
    return Array.isArray(value)
      ? value.length > 0
      : value !== undefined && value !== '' && value !== false && value !== 0;
  });
}

function refuseUnsupported(ctx: Ctx, d: CommDraft): void {
  if (d.communicator !== '' && d.communicator !== 'ssh') return;
  for (const [key, what] of unsupportedSshKeys(d as Partial<Record<string, unknown>>)) {
    if (known(d[key as keyof CommDraft])) {
      ctx.note(
        'warning',
        `Kiln does not support ${what} yet (${key})`,
        key,
        `Kiln cannot build with "${key}"`,
      );
    }
  }
}

function checkKeyFile(
  ctx: Ctx,
  key: 'ssh_private_key_file' | 'ssh_bastion_private_key_file',
  value: unknown,
): void {
  if (typeof value !== 'string' || value === '') return;
  const path = expandUser(ctx.host, value);
  const error = statError(ctx.host, path);
  if (error) ctx.error(`${key} is invalid: ${error}`, key, `"${key}" names a file that does not exist`);
}

function checkTunnels(ctx: Ctx, key: 'ssh_local_tunnels' | 'ssh_remote_tunnels', value: unknown): void {
  if (!Array.isArray(value)) return;
  value.forEach((tunnel, i) => {
    if (typeof tunnel !== 'string') return;
    const parsed = parseTunnelArgument(tunnel);
    if ('error' in parsed) ctx.error(`${key} ('${tunnel}') is invalid: ${parsed.error}`, `${key}.${i}`);
  });
}

/** A tunnel as `ssh_local_tunnels`/`ssh_remote_tunnels` write it: `port:host:hostport`. */
export interface TunnelArgument {
  listenPort: number;
  forwardHost: string;
  forwardPort: number;
}

/** sdk communicator/ssh ParseTunnelArgument, with its error texts. */
export function parseTunnelArgument(forward: string): TunnelArgument | { error: string } {
  const colon = forward.indexOf(':');
  if (colon < 0) return { error: `Error parsing tunnel '${forward}': [${forward}]` };
  const listen = forward.slice(0, colon);
  const address = forward.slice(colon + 1);
  const split = splitHostPort(address);
  if ('error' in split) return { error: `Error parsing forwarding, must be a tcp address: ${split.error}` };
  const atoi = (text: string) => {
    const parsed = /^[+-]?\d+$/.test(text) ? parseGoInt(text.replace(/^([+-]?)0+(?=\d)/, '$1')) : undefined;
    return parsed?.ok ? undefined : `strconv.Atoi: parsing ${goQuote(text)}: invalid syntax`;
  };
  const portError = atoi(split.port);
  if (portError) return { error: `Error parsing forwarding port, must be a valid port: ${portError}` };
  const listenError = atoi(listen);
  if (listenError) return { error: `Error parsing listening port, must be a valid port: ${listenError}` };
  return { listenPort: Number(listen), forwardHost: split.host, forwardPort: Number(split.port) };
}

/** net.SplitHostPort's errors. */
function splitHostPort(hostport: string): { host: string; port: string } | { error: string } {
  const fail = (why: string) => ({ error: `address ${hostport}: ${why}` });
  const last = hostport.lastIndexOf(':');
  if (last < 0) return fail('missing port in address');
  let host: string;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 === hostport.length) return fail('missing port in address');
    if (end + 1 !== last)
      return fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostport.slice(1, end);
  } else {
    host = hostport.slice(0, last);
    if (host.includes(':')) return fail('too many colons in address');
  }
  if (hostport.indexOf('[', 1) >= 0 && hostport[0] !== '[') return fail("unexpected '[' in address");
  if (hostport[0] !== '[' && hostport.includes(']')) return fail("unexpected ']' in address");
  return { host, port: hostport.slice(last + 1) };
}

function prepareWinRM(ctx: Ctx): void {
  const d = ctx.draft;
  if (d.winrm_port === 0) d.winrm_port = d.winrm_use_ssl === true ? 5986 : 5985;
  if (d.winrm_timeout === 0) d.winrm_timeout = 30 * 60_000;
  if (d.winrm_username === '') ctx.error('winrm_username must be specified.', 'winrm_username');
}
