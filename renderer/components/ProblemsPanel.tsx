/** Every diagnostic of the template, in file and line order; choosing one opens the file at its place. */
import { useMemo } from 'react';
import type { Diagnostic } from '../../electron/engine/template/source';
import { session } from '../workspace/session';
import { useStore } from '../state/store';

function sortKey(d: Diagnostic): string {
  if (!d.range) return '';
  return `${d.range.file}\u0000${String(d.range.start.line).padStart(8, '0')}${String(d.range.start.column).padStart(6, '0')}`;
}

export function describeDiagnostic(d: Diagnostic): string {
  const where = d.range ? `${d.range.file}:${d.range.start.line}:${d.range.start.column}` : 'template';
  return `${d.severity === 'error' ? 'Error' : 'Warning'}: ${d.summary} (${where})`;
}

export function ProblemsPanel() {
  const diagnostics = useStore((s) => s.diagnostics);
  const checking = useStore((s) => s.checking);
  const sorted = useMemo(
    () => [...diagnostics].sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
    [diagnostics],
  );
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  return (
    <section className="problems" aria-label="Problems">
      <header className="panel-header">
        <h2>Problems</h2>
        <span className="counts" aria-live="polite">
          {errors} {errors === 1 ? 'error' : 'errors'}, {warnings} {warnings === 1 ? 'warning' : 'warnings'}
          {checking ? ' · checking…' : ''}
        </span>
      </header>
      {sorted.length === 0 ? (
        <p className="empty">No problems found.</p>
      ) : (
        <ul className="problem-list" aria-label="Problem list">
          {sorted.map((d, i) => (
            <li key={`${sortKey(d)}-${i}`}>
              <button
                type="button"
                className={`problem ${d.severity}`}
                aria-label={describeDiagnostic(d)}
                title={d.detail}
                onClick={() => {
                  if (d.range) {
                    void session().reveal(
                      d.range.file,
                      d.range.start.line,
                      d.range.start.column,
                      d.range.end.line,
                      d.range.end.column,
                    );
                  }
                }}
              >
                <span className="severity" aria-hidden="true">
                  {d.severity === 'error' ? '⨯' : '⚠'}
                </span>
                <span className="summary">{d.summary}</span>
                {d.detail ? <span className="detail">{d.detail.split('\n')[0]}</span> : null}
                <span className="where">
                  {d.range ? `${d.range.file}:${d.range.start.line}:${d.range.start.column}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
