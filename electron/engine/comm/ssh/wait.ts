/**
 * Waiting for SSH. Packer tries once, then every 5 s (plus 2 s after a failed handshake). Kiln retries
 * a refused or reset connection at once with a backoff from 50 ms doubling to 1 s, so it connects
 * within about a second of sshd listening yet never tries more than once a second against a guest
 * that is slow to come up. Authentication failures count against ssh_handshake_attempts as in Packer.
 */
import type { SshConnectOptions } from './client';
import { SshAuthError, SshCommunicator, dial, handshake } from './client';

export interface WaitOptions extends SshConnectOptions {
  /** 0 = unlimited. */
  handshakeAttempts: number;
  /** Called before each try with its number (for logs and tests). */
  onAttempt?(attempt: number, lastError?: Error): void;
}

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('SSH wait cancelled'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('SSH wait cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function authErrorMessage(err: Error): string {
  return (
    'Packer experienced an authentication error when trying to connect via SSH. This can happen if your ' +
    'username/password are wrong. You may want to double-check your credentials as part of your debugging ' +
    `process. original error: ${err.message}`
  );
}

/** Tries until connected; throws the auth error once attempts run out, or 'SSH wait cancelled'. */
export async function waitForSsh(options: WaitOptions, signal: AbortSignal): Promise<SshCommunicator> {
  let backoff = FIRST_BACKOFF_MS;
  let authFailures = 0;
  let lastError: Error | undefined;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new Error('SSH wait cancelled');
    options.onAttempt?.(attempt, lastError);
    let socket;
    try {
      socket = await dial(options.host, options.port, options.dialTimeoutMs ?? 5000, signal);
    } catch (err) {
      lastError = err as Error;
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      continue;
    }
    try {
      const client = await handshake(socket, options);
      return new SshCommunicator(options, client);
    } catch (err) {
      lastError = err as Error;
      if (err instanceof SshAuthError) {
        authFailures++;
        const wrapped = new Error(authErrorMessage(err));
        if (options.handshakeAttempts > 0 && authFailures >= options.handshakeAttempts) throw wrapped;
        lastError = wrapped;
        // Credentials rarely start working at once (cloud-init may still be adding the key): 1 s.
        await sleep(MAX_BACKOFF_MS, signal);
        continue;
      }
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}
