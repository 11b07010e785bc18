/**
 * The communicator settings of a builder (Packer's communicator.Config keys) and their defaults.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { toMilliseconds } from '../build/duration';
import { parseTunnelArgument } from '../template/schema/index';
import type { SocksProxy } from './ssh/socks5';
import type { TunnelSpec } from './ssh/tunnels';

/** The communicator keys a builder config carries, as Packer names them (durations: ms or Go strings). */
export interface CommunicatorConfig {
  communicator?: string;
  ssh_host?: string;
  ssh_port?: number;
  ssh_username?: string;
  ssh_password?: string;
  ssh_private_key_file?: string;
  ssh_agent_auth?: boolean;
  ssh_timeout?: number | string;
  /** Deprecated alias of ssh_timeout, which it overrides. */
  ssh_wait_timeout?: number | string;
  ssh_handshake_attempts?: number;
  ssh_pty?: boolean;
  ssh_keep_alive_interval?: number | string;
  ssh_file_transfer_method?: string;
  pause_before_connecting?: number | string;
  temporary_key_pair_type?: string;
  temporary_key_pair_bits?: number;
  ssh_ciphers?: string[];
  ssh_key_exchange_algorithms?: string[];
  ssh_read_write_timeout?: number | string;
  ssh_clear_authorized_keys?: boolean;
  ssh_bastion_host?: string;
  ssh_bastion_port?: number;
  ssh_bastion_username?: string;
  ssh_bastion_password?: string;
  ssh_bastion_private_key_file?: string;
  ssh_bastion_agent_auth?: boolean;
  ssh_proxy_host?: string;
  ssh_proxy_port?: number;
  ssh_proxy_username?: string;
  ssh_proxy_password?: string;
  ssh_local_tunnels?: string[];
  ssh_remote_tunnels?: string[];
}

/** An SSH server and how to log in to it: the machine, or a bastion in front of it. */
export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKeyFile?: string;
  agentAuth: boolean;
}

/** The settings the SSH step uses, defaults applied. */
export interface SshSettings extends SshEndpoint {
  /** 0 = wait forever. */
  timeoutMs: number;
  /** 0 = unlimited. */
  handshakeAttempts: number;
  pty: boolean;
  keepAliveIntervalMs: number;
  fileTransfer: 'scp' | 'sftp';
  pauseBeforeConnectingMs: number;
  handshakeTimeoutMs: number;
  /** Replace the offered lists when not empty (ssh_ciphers, ssh_key_exchange_algorithms). */
  ciphers: string[];
  keyExchanges: string[];
  /** 0 = no limit: how long the connection may stay idle before it is dropped as dead. */
  readWriteTimeoutMs: number;
  clearAuthorizedKeys: boolean;
  /** A jump host: Kiln connects to it, then opens a channel from it to the machine. */
  bastion?: SshEndpoint;
  /** A SOCKS5 proxy to connect through (a bastion wins over it, as in Packer). */
  proxy?: SocksProxy;
  /** Local tunnels first, then remote ones, as Packer opens them. */
  tunnels: TunnelSpec[];
}

function tunnelSpecs(
  key: 'ssh_local_tunnels' | 'ssh_remote_tunnels',
  list: string[] | undefined,
): TunnelSpec[] {
  return (list ?? []).map((text) => {
    const parsed = parseTunnelArgument(text);
    if ('error' in parsed) throw new Error(`${key} ('${text}') is invalid: ${parsed.error}`);
    return { ...parsed, text, direction: key === 'ssh_local_tunnels' ? 'local' : 'remote' };
  });
}

/**
 * Packer's defaults (HEAD): ssh_port 22; ssh_timeout 5m and ssh_handshake_attempts 10 only when
 * *both* are unset (if one is set, the other stays 0: forever / unlimited); keep-alive 5s; scp.
 */
export function sshSettings(config: CommunicatorConfig): SshSettings {
  let timeoutMs = toMilliseconds(config.ssh_timeout);
  // 0 is the decoded config's "unset" (the schema fills every key): only a real value overrides.
  if (
    config.ssh_wait_timeout !== undefined &&
    config.ssh_wait_timeout !== '' &&
    config.ssh_wait_timeout !== 0
  ) {
    timeoutMs = toMilliseconds(config.ssh_wait_timeout);
  }
  let handshakeAttempts = config.ssh_handshake_attempts ?? 0;
  if (timeoutMs === 0 && handshakeAttempts === 0) {
    timeoutMs = 5 * 60_000;
    handshakeAttempts = 10;
  }
  const keepAlive = toMilliseconds(config.ssh_keep_alive_interval);
  const method = config.ssh_file_transfer_method || 'scp';
  if (method !== 'scp' && method !== 'sftp') {
    throw new Error(`ssh_file_transfer_method ('${method}') is invalid, valid methods: sftp, scp`);
  }
  return {
    host: config.ssh_host ?? '',
    port: config.ssh_port || 22,
    username: config.ssh_username ?? '',
    ...(config.ssh_password ? { password: config.ssh_password } : {}),
    ...(config.ssh_private_key_file ? { privateKeyFile: config.ssh_private_key_file } : {}),
    agentAuth: config.ssh_agent_auth ?? false,
    timeoutMs,
    handshakeAttempts,
    pty: config.ssh_pty ?? false,
    // A negative interval disables keep-alives; 0 means the default.
    keepAliveIntervalMs: keepAlive < 0 ? 0 : keepAlive || 5000,
    fileTransfer: method,
    pauseBeforeConnectingMs: toMilliseconds(config.pause_before_connecting),
    handshakeTimeoutMs: 60_000,
    ciphers: config.ssh_ciphers ?? [],
    keyExchanges: config.ssh_key_exchange_algorithms ?? [],
    readWriteTimeoutMs: toMilliseconds(config.ssh_read_write_timeout),
    clearAuthorizedKeys: config.ssh_clear_authorized_keys ?? false,
    tunnels: [
      ...tunnelSpecs('ssh_local_tunnels', config.ssh_local_tunnels),
      ...tunnelSpecs('ssh_remote_tunnels', config.ssh_remote_tunnels),
    ],
    ...(config.ssh_proxy_host
      ? {
          proxy: {
            host: config.ssh_proxy_host,
            port: config.ssh_proxy_port || 1080,
            ...(config.ssh_proxy_username ? { username: config.ssh_proxy_username } : {}),
            ...(config.ssh_proxy_password ? { password: config.ssh_proxy_password } : {}),
          },
        }
      : {}),
    ...(config.ssh_bastion_host
      ? {
          bastion: {
            host: config.ssh_bastion_host,
            port: config.ssh_bastion_port || 22,
            username: config.ssh_bastion_username ?? '',
            ...(config.ssh_bastion_password ? { password: config.ssh_bastion_password } : {}),
            // Packer's default: the machine's own key file.
            ...(config.ssh_bastion_private_key_file || config.ssh_private_key_file
              ? { privateKeyFile: config.ssh_bastion_private_key_file || config.ssh_private_key_file }
              : {}),
            agentAuth: config.ssh_bastion_agent_auth ?? false,
          },
        }
      : {}),
  };
}

/** Expands `~/` as Packer's pathing.ExpandUser does. */
export function expandUser(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return homedir() + path.slice(1);
  return path;
}

/**
 * The config with ssh_private_key_file made absolute against the build's working directory (Packer's:
 * where it runs), so the key is found wherever Kiln's own process runs (the app builds a workspace
 * while its cwd is elsewhere).
 */
export function withKeyFileFrom<T extends CommunicatorConfig>(config: T, cwd: string): T {
  const absolute = (file: string | undefined) => {
    if (!file) return file;
    const expanded = expandUser(file);
    // `~/` stays as written: it is expanded when the key is read.
    return isAbsolute(expanded) ? file : resolve(cwd, expanded);
  };
  const key = absolute(config.ssh_private_key_file);
  const bastionKey = absolute(config.ssh_bastion_private_key_file);
  if (key === config.ssh_private_key_file && bastionKey === config.ssh_bastion_private_key_file)
    return config;
  return {
    ...config,
    ...(key ? { ssh_private_key_file: key } : {}),
    ...(bastionKey ? { ssh_bastion_private_key_file: bastionKey } : {}),
  };
}

export function readPrivateKeyFile(path: string): string {
  try {
    return readFileSync(expandUser(path), 'utf8');
  } catch (err) {
    throw new Error(`Error setting up SSH config: ${(err as Error).message}`, { cause: err });
  }
}
