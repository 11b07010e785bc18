/**
 * Template trust, said where it matters: a template whose folder is not trusted cannot run commands on
 * this machine (shell-local) or fetch (http data sources). The build service refuses them whatever the UI
 * does; this banner says so before a build is tried, and lets the author trust the folder.
 */
import { useStore } from '../state/store';
import { session } from '../workspace/session';

export function TrustBanner() {
  const trust = useStore((s) => s.workspace?.trust);
  if (!trust || trust.trusted || trust.needs.length === 0) return null;
  const what = [...new Set(trust.needs.map((n) => `${n.type} ${n.kind}`))].join(', ');
  return (
    <div className="banner trust" role="region" aria-label="Template trust">
      <span>
        <strong>Restricted:</strong> {trust.folder} is not a trusted folder, and this template runs commands
        on this machine ({what}: {trust.needs.map((n) => n.address).join(', ')}). It cannot build until you
        trust the folder. Trust only templates you wrote or have read.
      </span>
      <button type="button" onClick={() => void session().setTrust(true)}>
        Trust this folder
      </button>
    </div>
  );
}
