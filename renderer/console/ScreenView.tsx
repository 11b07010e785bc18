/**
 * The VM's screen while boot_command types: a QMP screendump refreshed about once a second, with the
 * keys the qemu builder reports as it types them (`*` for characters of sensitive values).
 */
import { useEffect, useState } from 'react';
import type { KilnApi } from '../../electron/api/types';
import type { KeyView } from '../builds/runView';

interface Props {
  api: KilnApi;
  runId: string;
  build: string;
  /** The VM is there to take a screenshot of. */
  available: boolean;
  keys: KeyView[];
}

const REFRESH_MS = 1000;

export function ScreenView({ api, runId, build, available, keys }: Props) {
  const [shot, setShot] = useState<{ src: string; takenAt: string } | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (!available) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const take = async () => {
      try {
        const result = await api.vmScreenshot({ runId, build });
        if (stopped) return;
        if (result) {
          setShot({ src: `data:image/png;base64,${result.png}`, takenAt: result.takenAt });
          setError(undefined);
        }
      } catch (err) {
        if (!stopped) setError(err instanceof Error ? err.message : String(err));
      }
      if (!stopped) timer = setTimeout(() => void take(), REFRESH_MS);
    };
    void take();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [api, runId, build, available]);

  const last = keys.at(-1);
  return (
    <div className="screen-view">
      <div className="screen-status" role="status" aria-label="Screen status">
        {available
          ? shot
            ? `Screen of ${build} at ${new Date(shot.takenAt).toLocaleTimeString()}`
            : 'Taking a screenshot…'
          : 'The VM screen shows while the VM runs.'}
        {error ? <span className="error"> {error}</span> : null}
      </div>
      {shot ? <img className="screen" src={shot.src} alt={`Screen of the VM of ${build}`} /> : null}
      <section className="typed-keys" aria-label="Keys typed by boot_command">
        <h3>
          Typed keys
          {last ? (
            <span className="counts">
              {' '}
              {last.index + 1} of {last.total}
            </span>
          ) : null}
        </h3>
        {keys.length === 0 ? (
          <p className="empty">No keys typed yet.</p>
        ) : (
          <ol className="key-strip">
            {keys.map((k, i) => (
              <li key={`${k.index}-${i}`} className={`key ${k.action}`}>
                {k.key}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
