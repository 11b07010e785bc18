/**
 * Waiting for SSH. Packer tries once, then every 5 s (plus 2 s after a failed handshake). Kiln retries
 * a refused or reset connection at once with a backoff from 50 ms doubling to 500 ms, so it connects
 * within about half a second of sshd listening.
 *
 * A connection can also stay *silent*: connected, yet nothing arrives. qemu's user network (slirp)
 * accepts the host side of a forwarded port at once and only then sends its SYN to the guest; a guest
 * with no network yet never answers, and slirp retransmits that SYN about 3, 9, 21 and 45 s later
 * (then gives up at 75 s), even when the host side has been closed meanwhile. Waiting on one such
 * connection kept Kiln 5–10 s behind a guest whose sshd was already listening. So a silent attempt
 * gets one sibling after 1.5 s, and a silent attempt is replaced after 10 s (its next retransmission
 * is 11 s away): a retransmission reaches the guest every few seconds, the first one that meets the
 * guest's network up but sshd not yet listening is reset, and from then on the fast loop above runs.
 * Never more than two silent attempts: every connection slirp still holds reaches the guest later,
 * and one that meets sshd costs the guest an sshd process (a flood of them slowed a TCG guest down
 * for seconds). Authentication failures count against ssh_handshake_attempts as in Packer.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import type { SshConnectOptions } from './client';
import { SshAuthError, SshCommunicator, handshake, openTransport } from './client';
import { SocksAuthError } from './socks5';

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
const SIBLING_AFTER_MS = 1500;
/** How long a silent attempt is kept before it is replaced. */
const REPLACE_AFTER_MS = 10_000;
const MAX_SILENT = 2;
/** How often a silent attempt is checked for the server's first bytes. */
const POLL_MS = 50;

interface Attempt {
  readonly startedAt: number;
  readonly cancel: AbortController;
  stream?: Duplex;
}

/**
 * The server has sent something (its banner): the attempt is worth waiting for. A channel through a
 * bastion exists only once the bastion reached the machine's port, so it counts as heard.
 */
function heard(attempt: Attempt): boolean {
  const stream = attempt.stream;
  if (stream === undefined) return false;
  return stream instanceof Socket ? stream.bytesRead > 0 : true;
}

async function attemptOnce(options: WaitOptions, attempt: Attempt): Promise<Client> {
  const { signal } = attempt.cancel;
  const stream = await openTransport(options, options.dialTimeoutMs ?? 5000, signal);
  if (signal.aborted) {
    stream.destroy();
    throw new Error('SSH wait cancelled');
  }
  attempt.stream = stream;
  signal.addEventListener('abort', () => stream.destroy(), { once: true });
  return handshake(stream, options);
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
          if (err instanceof SocksAuthError) {
            // The proxy refused the credentials: every later attempt would be refused the same way.
            fatal = err;
          } else if (err instanceof SshAuthError) {
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
      if (won) return await SshCommunicator.open(options, won);
      if (fatal) throw fatal;
      if (signal.aborted) throw new Error('SSH wait cancelled');
      const now = Date.now();
      for (const attempt of live.filter((a) => !heard(a) && now - a.startedAt >= REPLACE_AFTER_MS))
        drop(attempt);
      const silent = live.filter((a) => !heard(a));
      let wait = POLL_MS;
      // While sshd answers one attempt, wait for its handshake.
      if (silent.length === live.length) {
        const due =
          live.length === 0
            ? notBefore
            : silent.length < MAX_SILENT
              ? Math.max(live[live.length - 1].startedAt + SIBLING_AFTER_MS, notBefore)
              : live[0].startedAt + REPLACE_AFTER_MS;
        if (now >= due) {
          launch();
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
