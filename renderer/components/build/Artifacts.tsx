/** A run's artifacts: what each build left, its files with sizes and sha256, and Upload to MAAS. */
import type { BuildRunSummary } from '../../../electron/api/types';
import { formatBytes } from '../../builds/runView';
import { useBuilds } from '../../builds/store';
import { useInspector } from '../../state/inspector';

export function Artifacts({ summary }: { summary: BuildRunSummary }) {
  if (summary.artifacts.length === 0) return null;
  const finished = Boolean(summary.finishedAt);
  return (
    <section className="artifacts" aria-label="Artifacts">
      <h3>Artifacts</h3>
      <ul>
        {summary.artifacts.map((a, i) => (
          <li key={`${a.build}-${a.id}-${i}`} className="artifact">
            <div className="artifact-head">
              <strong>{a.build}</strong>
              {a.postProcessor ? <span className="badge">{a.postProcessor}</span> : null}
              <span className="muted">{a.description}</span>
            </div>
            {a.files.length ? (
              <table className="artifact-files" aria-label={`Files of ${a.build}`}>
                <thead>
                  <tr>
                    <th scope="col">File</th>
                    <th scope="col">Size</th>
                    <th scope="col">sha256</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {a.files.map((f) => (
                    <tr key={f.path}>
                      <td className="path">{f.path}</td>
                      <td>{f.size !== undefined ? formatBytes(f.size) : finished ? 'gone' : '…'}</td>
                      <td className="sha" title={f.sha256}>
                        {f.sha256 ? (
                          <code>{f.sha256}</code>
                        ) : finished && f.size === undefined ? (
                          '—'
                        ) : (
                          'computing…'
                        )}
                      </td>
                      <td className="actions">
                        <button
                          type="button"
                          disabled={!finished || f.size === undefined}
                          aria-label={`Inspect ${f.path}`}
                          onClick={() => useInspector.setState({ target: { path: f.path } })}
                        >
                          Inspect…
                        </button>
                        <button
                          type="button"
                          disabled={!finished || f.size === undefined}
                          aria-label={`Upload ${f.path} to MAAS`}
                          onClick={() =>
                            useBuilds.setState({ upload: { runId: summary.runId, file: f.path } })
                          }
                        >
                          Upload to MAAS…
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
