import { describe, expect, it } from 'vitest';
import type { ApiBuildEvent, BuildRunSummary, SequencedBuildEvent } from '../../electron/api/types';
import { applyEvents, emptyRun, etaSeconds, MAX_LOG_LINES } from './runView';

const summary: BuildRunSummary = {
  runId: 'r1',
  root: '/p',
  entry: '.',
  name: 'p',
  startedAt: '2026-01-01T00:00:00.000Z',
  state: 'running',
  builds: [{ name: 'null.x', state: 'pending' }],
  options: { only: [], except: [], onError: 'ask', debug: false, force: false, varFiles: [], varNames: [] },
  artifacts: [],
  openPrompts: [],
  prepareFailures: [],
  consoleBytes: 0,
};

let seq = 0;
type Untimed = ApiBuildEvent extends infer E ? (E extends unknown ? Omit<E, 'time'> : never) : never;
const ev = (event: Untimed, time = 1000): SequencedBuildEvent => ({
  seq: ++seq,
  event: { ...event, time } as ApiBuildEvent,
});

describe('folding a run', () => {
  it('builds the timeline: steps, provisioners with retries, progress, handles, and skips replayed events', () => {
    seq = 0;
    const events = [
      ev({ type: 'build-started', build: 'null.x', builderType: 'null' }),
      ev({
        type: 'step-started',
        build: 'null.x',
        step: { index: 0, name: 'StepConnect', title: 'Connect' },
        phase: 'run',
      }),
      ev({ type: 'handle', build: 'null.x', name: 'shell', available: true }),
      ev({
        type: 'step-finished',
        build: 'null.x',
        step: { index: 0, name: 'StepConnect', title: 'Connect' },
        phase: 'run',
        durationMs: 5,
        outcome: 'continue',
      }),
      ev({
        type: 'step-started',
        build: 'null.x',
        step: { index: 1, name: 'StepProvision', title: 'Provision' },
        phase: 'run',
      }),
      ev({
        type: 'component',
        build: 'null.x',
        address: 'p[0]',
        componentType: 'shell',
        role: 'provisioner',
        phase: 'started',
      }),
      ev({ type: 'log', build: 'null.x', address: 'p[0]', level: 'error', text: 'line one\nline two' }),
      ev({
        type: 'component',
        build: 'null.x',
        address: 'p[0]',
        componentType: 'shell',
        role: 'provisioner',
        phase: 'finished',
        outcome: 'failed',
        durationMs: 7,
        error: 'exit 3',
      }),
      ev({
        type: 'component',
        build: 'null.x',
        address: 'p[0]',
        componentType: 'shell',
        role: 'provisioner',
        phase: 'started',
      }),
      ev({
        type: 'progress',
        build: 'null.x',
        id: 'dl',
        label: 'Download',
        bytes: 50,
        total: 200,
        rate: 25,
        done: false,
      }),
      ev({
        type: 'progress',
        build: 'null.x',
        id: 'dl',
        label: 'Download',
        bytes: 100,
        total: 200,
        rate: 50,
        done: false,
      }),
    ];
    const first = applyEvents(emptyRun(summary), events.slice(0, 6));
    const run = applyEvents(first, events); // the first six again: skipped by seq
    const b = run.builds['null.x'];
    expect(b.state).toBe('running');
    expect(b.steps.map((s) => `${s.title}:${s.state}`)).toEqual(['Connect:done', 'Provision:running']);
    expect(b.components).toEqual([expect.objectContaining({ address: 'p[0]', state: 'running', runs: 2 })]);
    expect(b.currentAddress).toBe('p[0]');
    expect(b.handles).toEqual({ shell: true, vm: false });
    expect(b.progress).toHaveLength(1);
    expect(etaSeconds(b.progress[0])).toBe(2);
    expect(run.logs.map((l) => `${l.id} ${l.text}`)).toEqual(['7:0 line one', '7:1 line two']);
    expect(run.lastSeq).toBe(11);
    // The input run is left as it was.
    expect(first.builds['null.x'].steps[1].state).toBe('running');
    expect(first.builds['null.x'].components[0].runs).toBe(1);
  });

  it('keeps the newest log lines only', () => {
    seq = 0;
    const many = Array.from({ length: MAX_LOG_LINES + 10 }, (_, i) =>
      ev({ type: 'log', level: 'message', text: `l${i}` }),
    );
    const run = applyEvents(emptyRun(summary), many, 3);
    expect(run.logs).toHaveLength(MAX_LOG_LINES);
    expect(run.logs[0].text).toBe('l10');
    expect(run.droppedLines).toBe(13);
  });
});
