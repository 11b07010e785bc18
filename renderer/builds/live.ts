/** The workspace's build that is going now, if any (the paused bar and the editor's highlight follow it). */
import type { RunView } from './runView';
import type { BuildsState } from './store';

export function liveRun(s: BuildsState): RunView | undefined {
  const live = s.history.find((r) => !r.finishedAt);
  return live ? s.runs[live.runId] : undefined;
}

/** The addresses a live build is paused at. */
export function pausedAddresses(s: BuildsState): string[] {
  return (liveRun(s)?.summary.openPrompts ?? []).map((p) => p.address).filter((a): a is string => Boolean(a));
}
