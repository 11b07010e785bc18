/**
 * The workspace's files: templates and variable files first (each variable file with a switch to pass it
 * as -var-file), then the rest of the folder. Choosing a file opens it in a tab.
 */
import { useMemo, useState } from 'react';
import { session } from '../workspace/session';
import { useStore } from '../state/store';

const isVarFile = (p: string) => /\.pkrvars\.(hcl|json)$/.test(p) && !/\.auto\.pkrvars\./.test(p);

export function FileList() {
  const workspace = useStore((s) => s.workspace);
  const docs = useStore((s) => s.docs);
  const active = useStore((s) => s.active);
  const varFiles = useStore((s) => s.varFiles);
  const [showAll, setShowAll] = useState(false);
  const files = useMemo(
    () =>
      (workspace?.tree ?? [])
        .filter((e) => e.kind === 'file')
        .map((e) => e.path)
        .sort(),
    [workspace],
  );
  if (!workspace) return null;
  const templates = files.filter((p) => docs[p] && !isVarFile(p));
  const vars = files.filter(isVarFile);
  const others = files.filter((p) => !templates.includes(p) && !vars.includes(p));
  const fileButton = (path: string) => (
    <button
      type="button"
      className={`file ${active === path ? 'active' : ''}`}
      aria-current={active === path ? 'true' : undefined}
      aria-label={`Open ${path}`}
      onClick={() => void session().openFile(path)}
    >
      {path}
      {docs[path]?.dirty ? (
        <span className="dirty" aria-label="unsaved changes">
          {' '}
          ●
        </span>
      ) : null}
    </button>
  );
  return (
    <nav className="file-list" aria-label="Files">
      <h2>{workspace.name}</h2>
      <ul aria-label="Template files">
        {templates.map((p) => (
          <li key={p}>{fileButton(p)}</li>
        ))}
      </ul>
      {vars.length > 0 ? (
        <>
          <h3>Variable files</h3>
          <ul aria-label="Variable files">
            {vars.map((p) => (
              <li key={p} className="var-file">
                <input
                  type="checkbox"
                  id={`var-${p}`}
                  aria-label={`Use ${p} as a variable file`}
                  checked={varFiles.includes(p)}
                  onChange={(e) =>
                    session().setVarFiles(
                      e.target.checked ? [...varFiles, p] : varFiles.filter((v) => v !== p),
                    )
                  }
                />
                {fileButton(p)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {others.length > 0 ? (
        <>
          <button type="button" className="link" aria-expanded={showAll} onClick={() => setShowAll(!showAll)}>
            {showAll ? 'Hide other files' : `Other files (${others.length})`}
          </button>
          {showAll ? (
            <ul aria-label="Other files">
              {others.map((p) => (
                <li key={p}>{fileButton(p)}</li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
      {workspace.treeTruncated ? (
        <p className="hint">This folder is large; only part of it is listed.</p>
      ) : null}
    </nav>
  );
}
