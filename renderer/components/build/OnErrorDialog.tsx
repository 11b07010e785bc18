/**
 * The on-error question (-on-error=ask) as a dialog: what failed and why, and the choices — retry (after
 * editing the provisioner if need be: Kiln saves and runs it as the template says now), continue with the
 * next one, clean up, abort, or keep the VM running for inspection. Putting the dialog aside leaves the
 * question open in the paused bar.
 */
import { useEffect, useRef } from 'react';
import { liveRun } from '../../builds/live';
import { useBuilds } from '../../builds/store';
import { session } from '../../workspace/session';
import { Modal } from '../Modal';
import { promptTitle, revealAddress } from './PausedBar';

const CHOICES: Record<string, { text: string; help: string }> = {
  r: { text: 'Retry', help: 'Run it again against the same machine (edits you saved are used).' },
  n: { text: 'Continue', help: 'Skip it and go on with the next provisioner.' },
  c: { text: 'Clean up', help: 'Stop the build and clean up: the VM is stopped, temporary files removed.' },
  a: { text: 'Abort', help: 'Stop without cleaning up: the VM and files are left as they are.' },
  k: {
    text: 'Keep the VM running',
    help: 'Leave the question open and look around in the guest shell first.',
  },
};

export function OnErrorDialog() {
  const run = useBuilds(liveRun);
  const dismissed = useBuilds((s) => s.dismissedPrompts);
  // After "keep the VM running" the question comes again without that choice: it stays in the paused bar.
  const prompt = run?.summary.openPrompts.find(
    (p) => p.kind === 'on-error' && p.choices?.some((c) => c.answer === 'k') && !dismissed.includes(p.id),
  );
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), [prompt?.id]);
  if (!run || !prompt) return null;
  const runId = run.summary.runId;
  const error = run.builds[prompt.build]?.components.find((c) => c.address === prompt.address)?.error;
  const dismiss = () => useBuilds.setState((s) => ({ dismissedPrompts: [...s.dismissedPrompts, prompt.id] }));
  return (
    <Modal title={promptTitle(prompt)} className="on-error" onClose={dismiss}>
      {error ? <pre className="error">{error}</pre> : null}
      <ul className="choices">
        {(prompt.choices ?? []).map((c, i) => (
          <li key={c.answer}>
            <button
              ref={i === 0 ? first : undefined}
              type="button"
              className={c.answer === 'r' ? 'primary' : c.answer === 'a' ? 'danger' : ''}
              onClick={() => void session().builds.answer(runId, prompt.id, c.answer)}
            >
              {CHOICES[c.answer]?.text ?? c.label}
            </button>
            <span className="muted">{CHOICES[c.answer]?.help}</span>
          </li>
        ))}
      </ul>
      <div className="dialog-buttons">
        {prompt.address ? (
          <button
            type="button"
            onClick={() => {
              dismiss();
              revealAddress(prompt.address);
            }}
          >
            Edit the provisioner
          </button>
        ) : null}
        <button type="button" onClick={dismiss}>
          Decide later
        </button>
      </div>
    </Modal>
  );
}
