/**
 * StepConnect (Packer's communicator.StepConnect) and StepSSHKeyGen: what a builder puts in its step
 * list to reach the machine. The connected communicator goes in state under COMMUNICATOR, and what
 * provisioners may template on (Host, Port, User, Password, SSHPublicKey, ...) under COMM_DATA.
 */
import { formatGoDuration } from '../build/duration';
import type { CleanupContext, Step, StepAction, StepContext } from '../build/step';
import { COMM_DATA, COMMUNICATOR, ERROR } from '../build/step';
import type { StateBag } from '../build/state';
import { stateKey } from '../build/state';
import type { CommunicatorConfig, SshEndpoint } from './config';
import { readPrivateKeyFile, sshSettings } from './config';
import { NoneCommunicator } from './none';
import { unsupportedSshKeys } from '../template/schema/index';
import type { SshAuth, SshCommunicator } from './ssh/client';
import { ssh2 } from './ssh/ssh2-module';
import { waitForSsh } from './ssh/wait';

export interface SshKeyPair {
  /** OpenSSH/PEM private key. */
  privateKey: string;
  /** `ssh-rsa AAAA…\n`, as Go's MarshalAuthorizedKey writes it. */
  publicKey: string;
}

/** The temporary key pair StepSSHKeyGen made (or derived from ssh_private_key_file). */
export const SSH_KEY_PAIR = stateKey<SshKeyPair>('ssh_key_pair');

export interface ConnectTarget {
  /** Where to connect; the null builder gives ssh_host, qemu gives 127.0.0.1. */
  host(state: StateBag): string;
  /** The port; defaults to ssh_port (qemu gives its forwarded host port). */
  port?(state: StateBag): number;
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function publicKeyLine(privateKey: string): string {
  const parsed = ssh2().utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`Error parsing SSH private key: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return `${key.type} ${key.getPublicSSH().toString('base64')}\n`;
}

/** Packer's StepSSHKeyGen (qemu ≥ v1.1.0): uses ssh_private_key_file, or generates a temporary key. */
export class StepSshKeyGen implements Step {
  readonly name = 'StepSSHKeyGen';
  readonly title = 'Create SSH key';

  constructor(private readonly config: CommunicatorConfig) {}

  async run({ state, ui }: StepContext): Promise<StepAction> {
    if (this.config.ssh_private_key_file) {
      ui.say('Using existing SSH private key');
      const privateKey = readPrivateKeyFile(this.config.ssh_private_key_file);
      state.put(SSH_KEY_PAIR, { privateKey, publicKey: publicKeyLine(privateKey) });
      ui.addSecret(privateKey);
      return 'continue';
    }
    const type = this.config.temporary_key_pair_type || 'rsa';
    if (type !== 'rsa' && type !== 'ecdsa' && type !== 'ed25519') {
      throw new Error(
        `${type} does not belong to Algorithm values: possible algorithm types are \`dsa\` | \`ecdsa\` | \`ed25519\` | \`rsa\` ( the default )`,
      );
    }
    ui.say(`Creating temporary ${type.toUpperCase()} SSH key for instance...`);
    const bits = this.config.temporary_key_pair_bits || (type === 'rsa' ? 3072 : type === 'ecdsa' ? 521 : 0);
    const pair = await new Promise<{ private: string; public: string }>((resolve, reject) => {
      const done = (err: Error | null, keys: { private: string; public: string }) =>
        err ? reject(err) : resolve(keys);
      if (type === 'ed25519') ssh2().utils.generateKeyPair('ed25519', done);
      else ssh2().utils.generateKeyPair(type, { bits }, done);
    }).catch((err: Error) => {
      const e = new Error(`Error creating temporary SSH key: ${err.message}`);
      ui.error(e.message);
      throw e;
    });
    const [keyType, base64] = pair.public.trim().split(/\s+/);
    state.put(SSH_KEY_PAIR, { privateKey: pair.private, publicKey: `${keyType} ${base64}\n` });
    ui.addSecret(pair.private);
    return 'continue';
  }
}

/**
 * What to offer an endpoint: its key file, then `extraKeys`, and the agent when asked for, each made a
 * secret the logs mask. Undefined when the agent is asked for but SSH_AUTH_SOCK is not set.
 */
function credentials(
  endpoint: SshEndpoint,
  ui: StepContext['ui'],
  extraKeys: string[] = [],
): SshAuth | undefined {
  const agent = endpoint.agentAuth ? process.env.SSH_AUTH_SOCK : undefined;
  if (endpoint.agentAuth && !agent) return undefined;
  const privateKeys = endpoint.privateKeyFile ? [readPrivateKeyFile(endpoint.privateKeyFile)] : [];
  for (const key of extraKeys) if (!privateKeys.includes(key)) privateKeys.push(key);
  ui.addSecret(endpoint.password);
  for (const key of privateKeys) ui.addSecret(key);
  return {
    username: endpoint.username,
    ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
    privateKeys,
    ...(agent ? { agent } : {}),
  };
}

export class StepConnect implements Step {
  readonly name = 'StepConnect';
  readonly title = 'Connect';
  private comm: SshCommunicator | undefined;
  /** Withdraws the guest shell handle the app may use while the connection lives. */
  private withdrawShell: (() => void) | undefined;

  constructor(
    private readonly config: CommunicatorConfig,
    private readonly target: ConnectTarget,
  ) {}

  async run(ctx: StepContext): Promise<StepAction> {
    const { state, ui } = ctx;
    const type = this.config.communicator || 'ssh';
    if (type === 'none') {
      state.put(COMMUNICATOR, new NoneCommunicator());
      return 'continue';
    }
    if (type !== 'ssh') {
      state.put(ERROR, new Error(`unknown communicator type: ${type}`));
      return 'halt';
    }
    // Validate warned; connecting another way than the template asks would be worse than stopping.
    const unsupported = unsupportedSshKeys(this.config as Partial<Record<string, unknown>>);
    if (unsupported.length > 0) {
      const err = new Error(
        unsupported.map(([key, what]) => `Kiln does not support ${what} yet (${key})`).join('\n'),
      );
      ui.error(err.message);
      state.put(ERROR, err);
      return 'halt';
    }
    const host = this.target.host(state);
    ui.say(`Using ${type} communicator to connect: ${host}`);
    const action = await this.connect(ctx, host);
    if (action === 'halt') return action;
    const settings = sshSettings(this.config);
    if (settings.pauseBeforeConnectingMs > 0) {
      ui.say(`Pausing ${formatGoDuration(settings.pauseBeforeConnectingMs)} before connecting...`);
      if (!(await sleep(settings.pauseBeforeConnectingMs, ctx.signal))) return 'halt';
      this.withdrawShell?.();
      await this.comm?.close();
      this.comm = undefined;
      const again = await this.connect(ctx, host);
      if (again === 'halt') return again;
    }
    return 'continue';
  }

  private async connect({ state, ui, signal }: StepContext, host: string): Promise<StepAction> {
    const settings = sshSettings(this.config);
    const port = this.target.port ? this.target.port(state) : settings.port;
    const keyPair = state.get(SSH_KEY_PAIR);
    const auth = credentials(settings, ui, keyPair ? [keyPair.privateKey] : []);
    const jump = settings.bastion;
    const jumpAuth = jump ? credentials(jump, ui) : undefined;
    if (!auth || (jump && !jumpAuth)) {
      state.put(ERROR, new Error('SSH_AUTH_SOCK is not set'));
      return 'halt';
    }
    const bastion = jump && jumpAuth ? { ...jumpAuth, host: jump.host, port: jump.port } : undefined;
    if (bastion) ui.say(`Using bastion ${bastion.username}@${bastion.host}:${bastion.port}`);

    ui.say('Waiting for SSH to become available...');
    const waitAbort = new AbortController();
    const onAbort = () => waitAbort.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (settings.timeoutMs > 0) timer = setTimeout(() => resolve('timeout'), settings.timeoutMs);
    });
    const waiting = waitForSsh(
      {
        host,
        port,
        ...auth,
        handshakeTimeoutMs: settings.handshakeTimeoutMs,
        keepAliveIntervalMs: settings.keepAliveIntervalMs,
        pty: settings.pty,
        fileTransfer: settings.fileTransfer,
        handshakeAttempts: settings.handshakeAttempts,
        ciphers: settings.ciphers,
        keyExchanges: settings.keyExchanges,
        readWriteTimeoutMs: settings.readWriteTimeoutMs,
        ...(bastion ? { bastion } : {}),
        ...(settings.proxy ? { proxy: settings.proxy } : {}),
        tunnels: settings.tunnels,
      },
      waitAbort.signal,
    );
    waiting.catch(() => undefined);
    try {
      const result = await Promise.race([waiting, timedOut]);
      if (result === 'timeout') {
        waitAbort.abort();
        const err = new Error('Timeout waiting for SSH.');
        state.put(ERROR, err);
        ui.error(err.message);
        return 'halt';
      }
      this.comm = result;
    } catch (err) {
      if (signal.aborted) return 'halt';
      const e = err as Error;
      ui.error(`Error waiting for SSH: ${e.message}`);
      state.put(ERROR, e);
      return 'halt';
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // A connection that completes after a timeout or cancel must not stay open.
      const won = this.comm;
      waiting.then(
        (c) => {
          if (c !== won) void c.close();
        },
        () => undefined,
      );
    }
    ui.say('Connected to SSH!');
    state.put(COMMUNICATOR, this.comm);
    this.withdrawShell = ui.expose('shell', this.comm);
    state.put(COMM_DATA, {
      Host: host,
      Port: String(port),
      User: settings.username,
      Password: settings.password ?? '',
      ConnType: 'ssh',
      SSHPublicKey: keyPair?.publicKey ?? '',
      SSHPrivateKey: keyPair?.privateKey ?? '',
      SSHPrivateKeyFile: settings.privateKeyFile ?? '',
      SSHAgentAuth: String(settings.agentAuth),
    });
    return 'continue';
  }

  async cleanup(_ctx: CleanupContext): Promise<void> {
    this.withdrawShell?.();
    this.withdrawShell = undefined;
    await this.comm?.close();
    this.comm = undefined;
  }
}
