/**
 * Where a paused build is, whatever view is shown: the block it stopped at (also highlighted in the
 * editor and the pipeline view), the breakpoint's note or the failure, and what can be done: Continue,
 * Next (-debug), or the on-error choices. The guest shell stays usable meanwhile (the Build view's tab).
 */
import type { Prompt } from '../../../electron/api/types';
import { blockAt, describeBlock } from '../../builds/blocks';
import { liveRun } from '../../builds/live';
import { useBuilds } from '../../builds/store';
import { useStore } from '../../state/store';
import { session } from '../../workspace/session';

const CHOICE_TEXT: Record<string, string> = {
  r: 'Retry',
  n: 'Continue with the next provisioner',
  c: 'Clean up and stop',
  a: 'Abort without cleanup',
  k: 'Keep the VM running',
};

export function revealAddress(address: string | undefined): void {
  const block = blockAt(useStore.getState().pipeline, address);
  if (block) void session().reveal(block.file, block.range.start.line, block.range.start.column);
}

function where(prompt: Prompt): string {
  const block = blockAt(useStore.getState().pipeline, prompt.address);
  if (prompt.address) return describeBlock(block, prompt.address);
  return prompt.subject ?? prompt.build;
}

export function promptTitle(prompt: Prompt): string {
  switch (prompt.kind) {
    case 'breakpoint':
      return `Paused at a breakpoint before ${where(prompt)}`;
    case 'debug-step':
      return `Debug: ${prompt.query.replace(/ Press enter to continue\.$/, '')}`;
    case 'debug-provisioner':
      return `Debug: paused before ${where(prompt)}`;
    default:
      return prompt.address ? `${where(prompt)} failed` : `Step ${prompt.subject ?? ''} failed`;
  }
}

function PromptRow({ runId, prompt }: { runId: string; prompt: Prompt }) {
  const builds = session().builds;
  const note =
    prompt.kind === 'breakpoint' && prompt.subject && prompt.subject !== prompt.address
      ? prompt.subject
      : undefined;
  return (
    <div className="paused-prompt" role="group" aria-label={promptTitle(prompt)}>
      <span className="paused-text">
        <strong>{promptTitle(prompt)}</strong>
        {note ? <span className="note"> — “{note}”</span> : null}
        <span className="muted"> ({prompt.build})</span>
      </span>
      {prompt.kind === 'on-error' && prompt.choices ? (
        prompt.choices.map((c) => (
          <button
            key={c.answer}
            type="button"
            className={c.answer === 'r' ? 'primary' : ''}
            onClick={() => void builds.answer(runId, prompt.id, c.answer)}
          >
            {CHOICE_TEXT[c.answer] ?? c.label}
          </button>
        ))
      ) : prompt.kind === 'debug-step' || prompt.kind === 'debug-provisioner' ? (
        <>
          <button type="button" className="primary" onClick={() => void builds.answer(runId, prompt.id, '')}>
            Next
          </button>
          <button type="button" onClick={() => void builds.continueDebug(runId, prompt.id)}>
            Continue
          </button>
        </>
      ) : (
        <button type="button" className="primary" onClick={() => void builds.answer(runId, prompt.id, '')}>
          Continue
        </button>
      )}
      {prompt.address ? (
        <button type="button" onClick={() => revealAddress(prompt.address)}>
          Show in editor
        </button>
      ) : null}
      <button
        type="button"
        onClick={() => {
          useStore.setState({ view: 'build' });
          useBuilds.setState({ selectedRun: runId, selectedBuild: prompt.build, consoleTab: 'shell' });
        }}
      >
        Guest shell
      </button>
    </div>
  );
}

export function PausedBar() {
  const run = useBuilds(liveRun);
  if (!run || run.summary.openPrompts.length === 0) return null;
  return (
    <div className="paused-bar" aria-label="Paused build">
      {run.summary.openPrompts.map((p) => (
        <PromptRow key={p.id} runId={run.summary.runId} prompt={p} />
      ))}
    </div>
  );
}
