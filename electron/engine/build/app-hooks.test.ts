/**
 * The app's hooks into a run: gutter breakpoints before post-processors, component events, the
 * per-provisioner on-error question (retry with the edited provisioner, continue, keep the VM, clean
 * up), and live handles withdrawn when a build ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildEvent, EventOf, OnErrorMode, Prompt } from './events';
import type { PlannedProvisioner } from './provision';
import type { AppRunHooks, PlannedBuild } from './session';
import { BuildSession } from './session';
import type { BuildSpec } from '../testing/plans';
import { planBuild, substituteFields } from '../testing/plans';

const cwd = mkdtempSync(join(tmpdir(), 'kiln-app-hooks-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const deps = { render: substituteFields, cwd };
const nullNone = { type: 'null', config: { communicator: 'none' } };
const sl = (...inline: string[]) => ({ type: 'shell-local', config: { inline } });

interface Run {
  session: BuildSession;
  events: BuildEvent[];
  done: Promise<unknown>;
  /** Resolves with the next prompt (already open or yet to come). */
  nextPrompt(): Promise<Prompt>;
}

function start(
  plan: PlannedBuild,
  options: { onError?: OnErrorMode; breakpoints?: string[]; app?: AppRunHooks } = {},
): Run {
  const session = new BuildSession([plan], {
    debug: false,
    force: false,
    onError: options.onError ?? 'cleanup',
    parallel: 1,
    cwd,
    canAnswer: true,
    ...(options.breakpoints ? { breakpoints: options.breakpoints } : {}),
    ...(options.app ? { app: options.app } : {}),
  });
  const events: BuildEvent[] = [];
  const queue: Prompt[] = [];
  const waiters: Array<(p: Prompt) => void> = [];
  session.subscribe((e) => {
    events.push(e);
    if (e.type === 'prompt') {
      const w = waiters.shift();
      if (w) w(e.prompt);
      else queue.push(e.prompt);
    }
  });
  const done = session.run();
  return {
    session,
    events,
    done,
    nextPrompt: () =>
      new Promise((resolve) => {
        const p = queue.shift();
        if (p) resolve(p);
        else waiters.push(resolve);
      }),
  };
}

const of = <T extends BuildEvent['type']>(events: BuildEvent[], type: T) =>
  events.filter((e): e is EventOf<T> => e.type === type);
const logs = (events: BuildEvent[]) => of(events, 'log').map((e) => e.text);

function withPostProcessorAddresses(plan: PlannedBuild): PlannedBuild {
  plan.postProcessors.forEach((chain, i) =>
    chain.forEach((pp, j) => (pp.address = `post-processors[${i}][${j}]`)),
  );
  return plan;
}

describe('gutter breakpoints', () => {
  it('pause before a post-processor, with its address on the prompt and its output', async () => {
    const spec: BuildSpec = {
      name: 'null',
      builder: nullNone,
      provisioners: [sl('echo provisioned')],
      postProcessors: [[{ type: 'shell-local', config: { inline: ['echo post-processed'] } }]],
    };
    const run = start(withPostProcessorAddresses(planBuild(spec, deps)), {
      breakpoints: ['post-processors[0][0]', 'provisioners[0]'],
    });
    const first = await run.nextPrompt();
    expect(first).toMatchObject({
      kind: 'breakpoint',
      address: 'provisioners[0]',
      subject: 'provisioners[0]',
    });
    expect(logs(run.events)).not.toContain('provisioned');
    run.session.control({ type: 'continue' });
    const second = await run.nextPrompt();
    expect(second).toMatchObject({ kind: 'breakpoint', address: 'post-processors[0][0]' });
    expect(logs(run.events)).toContain('provisioned');
    expect(logs(run.events)).not.toContain('post-processed');
    run.session.control({ type: 'answer', promptId: second.id, answer: '' });
    await run.done;
    const postLine = of(run.events, 'log').find((e) => e.text === 'post-processed');
    expect(postLine?.address).toBe('post-processors[0][0]');
    const components = of(run.events, 'component').map((e) => `${e.address} ${e.phase} ${e.outcome ?? ''}`);
    expect(components).toEqual([
      'provisioners[0] started ',
      'provisioners[0] finished succeeded',
      'post-processors[0][0] started ',
      'post-processors[0][0] finished succeeded',
    ]);
    expect(of(run.events, 'build-finished')[0].status).toBe('succeeded');
  });
});

describe('on-error=ask, asked per provisioner (the app)', () => {
  const failing: BuildSpec = {
    name: 'null',
    builder: nullNone,
    provisioners: [sl('echo first'), sl('echo broken', 'exit 3'), sl('echo third')],
  };

  it('retries the provisioner as the template says now, then succeeds', async () => {
    let fixed = false;
    const latestCalls: string[] = [];
    const plan = planBuild(failing, deps);
    const fixedVersion: PlannedProvisioner = planBuild(
      { ...failing, provisioners: [sl('echo first'), sl('echo repaired'), sl('echo third')] },
      deps,
    ).provisioners[1];
    const run = start(plan, {
      onError: 'ask',
      app: {
        interactiveErrors: true,
        latestProvisioner: async (build, p) => {
          latestCalls.push(`${build} ${p.address}`);
          return fixed && p.address === 'provisioners[1]' ? fixedVersion : p;
        },
      },
    });
    const prompt = await run.nextPrompt();
    expect(prompt.kind).toBe('on-error');
    expect(prompt.address).toBe('provisioners[1]');
    expect(prompt.choices?.map((c) => c.answer)).toEqual(['r', 'n', 'c', 'a', 'k']);
    expect(logs(run.events)).not.toContain('third');
    fixed = true;
    run.session.control({ type: 'answer', promptId: prompt.id, answer: 'r' });
    await run.done;
    expect(logs(run.events)).toEqual(expect.arrayContaining(['repaired', 'third']));
    expect(latestCalls).toEqual([
      'null provisioners[0]',
      'null provisioners[1]',
      'null provisioners[1]',
      'null provisioners[2]',
    ]);
    const finished = of(run.events, 'build-finished')[0];
    expect(finished.status).toBe('succeeded');
    // No step-level question after the provisioner-level one.
    expect(of(run.events, 'prompt')).toHaveLength(1);
  });

  it('continues with the next provisioner', async () => {
    const run = start(planBuild(failing, deps), { onError: 'ask', app: { interactiveErrors: true } });
    const prompt = await run.nextPrompt();
    run.session.control({ type: 'answer', promptId: prompt.id, answer: 'n' });
    await run.done;
    expect(logs(run.events)).toContain('third');
    expect(of(run.events, 'build-finished')[0].status).toBe('succeeded');
  });

  it('keeps the VM for inspection, asks again without that choice, then cleans up without asking twice', async () => {
    const run = start(planBuild({ ...failing, errorCleanupProvisioner: sl('echo cleaning') }, deps), {
      onError: 'ask',
      app: { interactiveErrors: true },
    });
    const first = await run.nextPrompt();
    run.session.control({ type: 'answer', promptId: first.id, answer: 'k' });
    const second = await run.nextPrompt();
    expect(second.choices?.map((c) => c.answer)).toEqual(['r', 'n', 'c', 'a']);
    expect(logs(run.events)).toContain(
      'Keeping the VM running for inspection: retry, clean up or abort when you are done.',
    );
    run.session.control({ type: 'answer', promptId: second.id, answer: 'c' });
    await run.done;
    expect(of(run.events, 'prompt')).toHaveLength(2);
    expect(logs(run.events)).toContain('cleaning');
    const finished = of(run.events, 'build-finished')[0];
    expect(finished.status).toBe('failed');
    expect(finished.error).toBe('Script exited with non-zero exit status: 3.Allowed exit codes are: [0]');
  });

  it('leaves the CLI behaviour alone: without the app hooks the question is asked at StepProvision', async () => {
    const run = start(planBuild(failing, deps), { onError: 'ask' });
    const prompt = await run.nextPrompt();
    expect(prompt.subject).toBe('StepProvision');
    expect(prompt.choices?.map((c) => c.answer)).toEqual(['c', 'a', 'r']);
    run.session.control({ type: 'answer', promptId: prompt.id, answer: 'c' });
    await run.done;
  });
});

describe('live handles', () => {
  it('are withdrawn, with an event, when the build ends', async () => {
    const plan = planBuild({ name: 'null', builder: nullNone, provisioners: [sl('true')] }, deps);
    const builder = plan.createBuilder;
    const vm = { writeConsole: () => undefined, screendump: async () => undefined };
    plan.createBuilder = () => {
      const inner = builder();
      return {
        run: async (ctx) => {
          ctx.ui.expose('vm', vm);
          expect(ctx.ui.channel.handle('null', 'vm')).toBe(vm);
          return inner.run(ctx);
        },
      };
    };
    const run = start(plan);
    await run.done;
    expect(run.session.channel.handle('null', 'vm')).toBeUndefined();
    expect(of(run.events, 'handle').map((e) => `${e.name} ${e.available}`)).toEqual(['vm true', 'vm false']);
  });
});
