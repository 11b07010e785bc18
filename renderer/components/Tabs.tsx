/** The open files as tabs; each names its file and says when it has unsaved changes. */
import { session } from '../workspace/session';
import { useStore } from '../state/store';

export function Tabs() {
  const tabs = useStore((s) => s.tabs);
  const active = useStore((s) => s.active);
  const docs = useStore((s) => s.docs);
  const view = useStore((s) => s.view);
  return (
    <div className="tabs" role="tablist" aria-label="Open files">
      {tabs.map((path) => {
        const selected = view === 'text' && path === active;
        const dirty = docs[path]?.dirty;
        return (
          <div key={path} className={`tab ${selected ? 'selected' : ''}`}>
            <button
              type="button"
              role="tab"
              aria-selected={selected}
              aria-label={`${path}${dirty ? ' (unsaved)' : ''}`}
              onClick={() => session().activate(path)}
            >
              {path.split('/').pop()}
              {dirty ? <span aria-hidden="true"> ●</span> : null}
            </button>
            <button
              type="button"
              className="close"
              aria-label={`Close ${path}`}
              onClick={() => session().closeTab(path)}
            >
              ×
            </button>
          </div>
        );
      })}
    </div>
  );
}
