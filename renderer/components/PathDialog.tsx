/**
 * Kiln's own file and folder chooser, for the web UI (Electron uses the system dialog): a path field and
 * the listing of the folder it names. Also asks where to create a project from the gallery.
 */
import { useEffect, useRef, useState } from 'react';
import type { DirectoryListing } from '../../electron/api/types';
import { Modal } from './Modal';
import { whenSession } from '../workspace/current';
import { useStore, type DialogState } from '../state/store';

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

export function PathDialog({ dialog }: { dialog: DialogState }) {
  const appInfo = useStore((s) => s.appInfo);
  const creating = dialog.kind === 'create';
  const pickFolder = creating || dialog.pick === 'folder';
  const start = creating
    ? joinPath(appInfo?.projectsDir ?? '/', dialog.template.id)
    : (appInfo?.homeDir ?? '/');
  const [path, setPath] = useState(start);
  const [dir, setDir] = useState(creating ? (appInfo?.homeDir ?? '/') : start);
  const [listing, setListing] = useState<DirectoryListing | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let cancelled = false;
    whenSession()
      .then((s) => s.api.listDirectory({ path: dir }))
      .then((l) => !cancelled && (setListing(l), setError(undefined)))
      .catch((err: unknown) => !cancelled && setError(err instanceof Error ? err.message : String(err)));
    return () => {
      cancelled = true;
    };
  }, [dir]);

  useEffect(() => input.current?.focus(), []);

  const close = () => useStore.setState({ dialog: undefined });
  const submit = async () => {
    if (!path.startsWith('/')) {
      setError('Give an absolute path (starting with /).');
      return;
    }
    setBusy(true);
    if (creating) {
      const ok = await (await whenSession()).createFromGallery(dialog.template.id, path);
      setBusy(false);
      if (ok) close();
    } else {
      close();
      await (await whenSession()).openPath(path);
    }
  };
  const title = creating
    ? `Create “${dialog.template.title}”`
    : dialog.pick === 'file'
      ? 'Open a template file'
      : 'Open a template folder';

  return (
    <Modal title={title}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label htmlFor="path-input">
          {creating ? 'New folder for the project' : pickFolder ? 'Folder' : 'File'}
        </label>
        <input
          id="path-input"
          ref={input}
          value={path}
          spellCheck={false}
          onChange={(e) => setPath(e.target.value)}
        />
        <div className="listing" aria-label={`Contents of ${listing?.path ?? dir}`} role="group">
          <div className="listing-path">{listing?.path ?? dir}</div>
          <ul>
            {listing?.parent ? (
              <li>
                <button
                  type="button"
                  aria-label="Up to the parent folder"
                  onClick={() => setDir(listing.parent!)}
                >
                  ..
                </button>
              </li>
            ) : null}
            {(listing?.entries ?? [])
              .filter((e) => !e.name.startsWith('.'))
              .map((e) => (
                <li key={e.name}>
                  <button
                    type="button"
                    className={e.kind}
                    aria-label={`${e.kind === 'dir' ? 'Folder' : 'File'} ${e.name}`}
                    onClick={() => {
                      const full = joinPath(listing!.path, e.name);
                      if (e.kind === 'dir') {
                        setDir(full);
                        setPath(creating ? joinPath(full, dialog.template.id) : full);
                      } else if (!pickFolder) {
                        setPath(full);
                      }
                    }}
                    onDoubleClick={() => {
                      if (e.kind === 'file' && !pickFolder) void submit();
                    }}
                  >
                    {e.kind === 'dir' ? '📁 ' : '📄 '}
                    {e.name}
                  </button>
                </li>
              ))}
          </ul>
        </div>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-buttons">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {creating ? 'Create' : 'Open'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
