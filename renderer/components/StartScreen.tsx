/** The start screen: starter templates from the gallery, recent templates, and open buttons. */
import { openWorkspaceSoon, whenSession } from '../workspace/current';
import { useStore } from '../state/store';

export function StartScreen() {
  const gallery = useStore((s) => s.gallery);
  const recent = useStore((s) => s.recent);
  const appInfo = useStore((s) => s.appInfo);
  return (
    <main className="start" aria-label="Start">
      <header>
        <h1>Kiln</h1>
        <p>Build custom OS images for MAAS from Packer templates.</p>
      </header>
      <div className="start-actions">
        <button
          type="button"
          className="primary"
          onClick={() => void whenSession().then((s) => s.pickAndOpen('file'))}
        >
          Open File…
        </button>
        <button type="button" onClick={() => void whenSession().then((s) => s.pickAndOpen('folder'))}>
          Open Folder…
        </button>
      </div>
      <section aria-labelledby="gallery-heading">
        <h2 id="gallery-heading">Start from a template</h2>
        {gallery.length === 0 ? <p className="empty">No starter templates are installed.</p> : null}
        <ul className="gallery">
          {gallery.map((t) => (
            <li key={t.id}>
              <article className="card" aria-labelledby={`gallery-${t.id}`}>
                <h3 id={`gallery-${t.id}`}>{t.title}</h3>
                <p>{t.description}</p>
                <p className="files">{t.files.join(', ')}</p>
                <button
                  type="button"
                  aria-label={`Create from ${t.title}`}
                  onClick={() => useStore.setState({ dialog: { kind: 'create', template: t } })}
                >
                  Create from template
                </button>
              </article>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recent</h2>
        {recent.length === 0 ? <p className="empty">Nothing opened yet.</p> : null}
        <ul className="recent">
          {recent.map((r) => (
            <li key={r.path}>
              <button
                type="button"
                className="link"
                aria-label={`Open recent ${r.path}`}
                onClick={() => openWorkspaceSoon(r.path)}
              >
                {r.path}
              </button>
              <span className="kind">{r.kind}</span>
              <button
                type="button"
                className="small"
                aria-label={`Forget ${r.path}`}
                onClick={() => void whenSession().then((s) => s.forgetRecent(r.path))}
              >
                Forget
              </button>
            </li>
          ))}
        </ul>
      </section>
      <footer className="hint">
        Kiln {appInfo?.version} · {appInfo?.platform === 'electron' ? 'desktop' : 'web'}
      </footer>
    </main>
  );
}
