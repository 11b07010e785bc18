/**
 * A live console in xterm.js: the VM's serial line or a shell on the guest. Bytes come on the stream
 * `openStream` makes (a MessagePort in Electron, a WebSocket in the browser), never as per-line events;
 * what is typed goes back on it, as does the terminal's size. The scrollback is bounded (5,000 lines),
 * so the memory a long console takes does not grow with its length.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import type { KilnApi, StreamConnection, StreamKind } from '../../electron/api/types';

export const SCROLLBACK = 5000;

interface Props {
  api: KilnApi;
  runId: string;
  build: string;
  stream: StreamKind;
  /** The accessible name of the terminal. */
  label: string;
}

export function TerminalView({ api, runId, build, stream, label }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<{ state: 'connecting' | 'open' | 'closed'; reason?: string }>({
    state: 'connecting',
  });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const term = new Terminal({
      scrollback: SCROLLBACK,
      fontSize: 13,
      fontFamily: "'DejaVu Sans Mono', 'Ubuntu Mono', monospace",
      cursorBlink: stream === 'shell',
      theme: { background: '#1e1e1e', foreground: '#d4d4d4' },
      allowProposedApi: false,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(element);
    term.textarea?.setAttribute('aria-label', `${label}: type here`);
    try {
      fit.fit();
    } catch {
      // Not laid out yet; the observer fits it once it is.
    }
    let connection: StreamConnection | undefined;
    let disposed = false;
    const input = term.onData((text) => connection?.send(text));
    const binary = term.onBinary((text) => connection?.send(Uint8Array.from(text, (c) => c.charCodeAt(0))));
    const resize = term.onResize(({ cols, rows }) => connection?.resize(cols, rows));
    const observer = new ResizeObserver(() => {
      try {
        fit.fit();
      } catch {
        // Hidden: nothing to fit.
      }
    });
    observer.observe(element);
    setStatus({ state: 'connecting' });
    void (async () => {
      try {
        const { streamId } = await api.openStream({
          runId,
          build,
          stream,
          cols: Math.max(2, term.cols),
          rows: Math.max(2, term.rows),
        });
        const conn = await api.attachStream(streamId);
        if (disposed) {
          conn.close();
          return;
        }
        connection = conn;
        conn.onData((data) => term.write(data));
        conn.onClose((reason) => {
          if (disposed) return;
          term.write(`\r\n\x1b[2m[${reason}]\x1b[0m\r\n`);
          setStatus({ state: 'closed', reason });
        });
        setStatus({ state: 'open' });
      } catch (err) {
        if (disposed) return;
        const reason = err instanceof Error ? err.message : String(err);
        term.write(`\x1b[2m[${reason}]\x1b[0m\r\n`);
        setStatus({ state: 'closed', reason });
      }
    })();
    return () => {
      disposed = true;
      observer.disconnect();
      input.dispose();
      binary.dispose();
      resize.dispose();
      connection?.close();
      term.dispose();
    };
  }, [api, runId, build, stream, label, attempt]);

  return (
    <div className="terminal-view">
      <div className="terminal-status" role="status" aria-label={`${label} status`}>
        {status.state === 'connecting'
          ? 'Connecting…'
          : status.state === 'open'
            ? 'Connected'
            : status.reason}
        {status.state === 'closed' ? (
          <button type="button" className="small" onClick={() => setAttempt((a) => a + 1)}>
            Reconnect
          </button>
        ) : null}
      </div>
      <div
        className="terminal-host"
        ref={host}
        role="region"
        aria-label={label}
        data-testid={`terminal-${stream}`}
      />
    </div>
  );
}
