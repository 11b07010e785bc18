/** Offers to reload a file that changed (or vanished) on disk while it was open. */
import { session } from '../workspace/session';
import { useStore } from '../state/store';

export function DiskChangeBanner() {
  const active = useStore((s) => s.active);
  const doc = useStore((s) => (s.active ? s.docs[s.active] : undefined));
  if (!active || !doc?.diskChange) return null;
  const removed = doc.diskChange.change === 'removed';
  return (
    <div className="banner" role="alert" aria-label={`${active} changed on disk`}>
      <span>
        {removed ? `${active} was deleted on disk.` : `${active} changed on disk.`}
        {doc.dirty ? ' You have unsaved changes.' : ''}
      </span>
      {removed ? null : (
        <button type="button" onClick={() => void session().reload(active)}>
          Reload from disk
        </button>
      )}
      <button type="button" onClick={() => session().keepMine(active)}>
        Keep my version
      </button>
    </div>
  );
}
