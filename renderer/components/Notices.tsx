/** Errors and confirmations, announced to screen readers, each with an optional action. */
import { dismissNotice, useStore } from '../state/store';

export function Notices() {
  const notices = useStore((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <div className="notices" aria-label="Notifications">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          {n.action ? (
            <button
              type="button"
              onClick={() => {
                n.action?.run();
                dismissNotice(n.id);
              }}
            >
              {n.action.label}
            </button>
          ) : null}
          <button type="button" aria-label="Dismiss" onClick={() => dismissNotice(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
