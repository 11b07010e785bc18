/**
 * Telling a process apart from a later one that reused its pid: Linux's start time (field 22 of
 * /proc/<pid>/stat, in clock ticks since boot) together with the pid identifies it for the life of
 * the machine, so a crash-left record never kills an unrelated process.
 */
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot; undefined where /proc is not available. */
  startTicks?: number;
}

export function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

export function identify(pid: number): ProcessIdentity {
  const ticks = startTicks(pid);
  return ticks === undefined ? { pid } : { pid, startTicks: ticks };
}

/** True when the process exists and, if its start time was recorded, is the same process. */
export function isAlive(identity: ProcessIdentity): boolean {
  try {
    process.kill(identity.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (identity.startTicks === undefined) return true;
  const now = startTicks(identity.pid);
  // A zombie still answers kill(0); its stat is readable until it is reaped.
  if (now === undefined) return false;
  if (now !== identity.startTicks) return false;
  try {
    const state = readFileSync(`/proc/${identity.pid}/stat`, 'utf8');
    return state.slice(state.lastIndexOf(')') + 2, state.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
