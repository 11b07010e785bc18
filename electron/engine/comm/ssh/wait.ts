/**
 * Waiting for SSH. Packer tries once, then every 5 s (plus 2 s after a failed handshake). Kiln retries
 * a refused or reset connection at once with a backoff from 50 ms doubling to 500 ms, so it connects
 * within about half a second of sshd listening.
 *
 * A connection can also stay *silent*: connected, yet nothing arrives. qemu's user network (slirp)
 * accepts the host side of a forwarded port at once and only then sends its SYN to the guest; a guest
 * that has no network yet never answers, and slirp retransmits that SYN on a growing backoff (3 s,
 * 6 s, 12 s...). Waiting for such a connection's SSH banner kept Kiln 5–10 s behind a guest whose sshd
 * was already listening. So an attempt silent for a second gets a sibling dialled beside it (at most
 * four silent ones; the oldest is dropped), the first whose server answers is kept and the silent
 * ones are then closed (each would cost the guest an sshd process), and the first to finish the
 * handshake wins. Authentication failures count against ssh_handshake_attempts as in Packer.
 */
import type { Socket } from 'node:net';
import type { Client } from 'ssh2';
import type { SshConnectOptions } from './client';
import { SshAuthError, SshCommunicator, dial, handshake } from './client';

export interface WaitOptions extends SshConnectOptions {
  /** 0 = unlimited. */
  handshakeAttempts: number;
  /** Called before each try with its number (for logs and tests). */
  onAttempt?(attempt: number, lastError?: Error): void;
}

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 500;
/** Credentials rarely start working at once (cloud-init may still be adding the key). */
const AUTH_RETRY_MS = 1000;
/** How long an attempt may stay silent before a sibling is dialled beside it. */
const SILENT_MS = 1000;
const MAX_SILENT = 4;
/** How often a silent attempt is checked for the server's first bytes. */
const POLL_MS = 50;

interface Attempt {
  readonly startedAt: number;
  readonly cancel: AbortController;
  socket?: Socket;
}

/** The server has sent something (its banner): the attempt is worth waiting for. */
function heard(attempt: Attempt): boolean {
  return (attempt.socket?.bytesRead ?? 0) > 0;
}

async function attemptOnce(options: WaitOptions, attempt: Attempt): Promise<Client> {
  const { signal } = attempt.cancel;
  const socket = await dial(options.host, options.port, options.dialTimeoutMs ?? 5000, signal);
  if (signal.aborted) {
    socket.destroy();
    throw new Error('SSH wait cancelled');
  }
  attempt.socket = socket;
  signal.addEventListener('abort', () => socket.destroy(), { once: true });
  return handshake(socket, options);
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
  const live: Attempt[] = [];
  let attempts = 0;
  let authFailures = 0;
  let backoff = FIRST_BACKOFF_MS;
  let notBefore = 0;
  let lastError: Error | undefined;
  let won: Client | undefined;
  let fatal: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => wake?.();

  const drop = (attempt: Attempt) => {
    attempt.cancel.abort();
    const i = live.indexOf(attempt);
    if (i >= 0) live.splice(i, 1);
  };

  const launch = () => {
    attempts++;
    options.onAttempt?.(attempts, lastError);
    const attempt: Attempt = { startedAt: Date.now(), cancel: new AbortController() };
    live.push(attempt);
    attemptOnce(options, attempt)
      .then(
        (client) => {
          if (won || fatal || signal.aborted) client.end();
          else won = client;
        },
        (err: Error) => {
          if (attempt.cancel.signal.aborted) return;
          if (err instanceof SshAuthError) {
            authFailures++;
            lastError = new Error(authErrorMessage(err));
            if (options.handshakeAttempts > 0 && authFailures >= options.handshakeAttempts) fatal = lastError;
            notBefore = Date.now() + AUTH_RETRY_MS;
          } else {
            lastError = err;
            notBefore = Date.now() + backoff;
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
          }
        },
      )
      .finally(() => {
        const i = live.indexOf(attempt);
        if (i >= 0) live.splice(i, 1);
        poke();
      });
  };

  signal.addEventListener('abort', poke);
  try {
    for (;;) {
      if (won) return new SshCommunicator(options, won);
      if (fatal) throw fatal;
      if (signal.aborted) throw new Error('SSH wait cancelled');
      const now = Date.now();
      let wait = POLL_MS;
      if (live.some(heard)) {
        // sshd answered one: wait for its handshake, and spare the guest the others.
        for (const attempt of live.filter((a) => !heard(a))) drop(attempt);
      } else {
        const newest = live.at(-1);
        const due = Math.max(newest ? newest.startedAt + SILENT_MS : 0, notBefore);
        if (now >= due) {
          launch();
          if (live.length > MAX_SILENT) drop(live[0]);
          continue;
        }
        wait = Math.min(wait, due - now);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    }
  } finally {
    signal.removeEventListener('abort', poke);
    for (const attempt of [...live]) drop(attempt);
  }
}
