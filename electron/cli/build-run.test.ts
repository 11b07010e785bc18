import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OnErrorMode } from '../engine/build/events';
import type { BuildSpec } from '../engine/testing/plans';
import { planBuild, substituteFields } from '../engine/testing/plans';
import { normalise } from '../engine/testing/normalise';
import { FileAnswers } from './answers';
import { runForTerminal } from './build-run';

const cwd = mkdtempSync(join(tmpdir(), 'kiln-build-run-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

async function run(
  specs: BuildSpec[],
  options: {
    onError?: OnErrorMode;
    debug?: boolean;
    answers?: string;
    parallel?: number;
    secrets?: string[];
  } = {},
) {
  let out = '';
  const deps = { render: substituteFields, cwd };
  const code = await runForTerminal(
    specs.map((s) => planBuild(s, deps)),
    {
      run: {
        debug: options.debug ?? false,
        force: false,
        onError: options.onError ?? 'cleanup',
        parallel: options.parallel ?? 1,
        cwd,
        sensitiveValues: options.secrets ?? [],
      },
      printer: { color: false, timestamp: false, machineReadable: false, write: (t) => (out += t) },
      ...(options.answers !== undefined ? { answers: new FileAnswers(options.answers) } : {}),
      signal: new AbortController().signal,
    },
  );
  return { code, out: normalise(out) };
}

const nullNone = { type: 'null', config: { communicator: 'none' } };
const sl = (...inline: string[]) => ({ type: 'shell-local', config: { inline } });

const b02: BuildSpec = {
  name: 'null',
  builder: nullNone,
  provisioners: [sl('echo before-fail', 'exit 3'), sl('echo never')],
  errorCleanupProvisioner: sl('echo cleanup-provisioner-ran'),
};

const ERR = 'Script exited with non-zero exit status: 3.Allowed exit codes are: [0]';
const tail = (err: string) =>
  `\n==> Wait completed after D\n\n==> Some builds didn't complete successfully and had errors:\n--> null: ${err}\n\n==> Builds finished but no artifacts were created.\n`;

describe('kiln build output, against packer 1.6.6 transcripts (b02-fail.json)', () => {
  it('-on-error=cleanup', async () => {
    const { code, out } = await run([b02]);
    expect(code).toBe(1);
    expect(out).toBe(
      [
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: before-fail',
        '==> null: Provisioning step had errors: Running the cleanup provisioner, if present...',
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: cleanup-provisioner-ran',
        `Build 'null' errored after D: ${ERR}`,
        '',
      ].join('\n') + tail(ERR),
    );
  });

  it('-on-error=abort', async () => {
    const { code, out } = await run([b02], { onError: 'abort' });
    expect(code).toBe(1);
    expect(out).toBe(
      [
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: before-fail',
        `==> null: ${ERR}`,
        '==> null: Step "StepProvision" failed, aborting...',
        '==> null: aborted: skipping cleanup of step "StepConnect"',
        `Build 'null' errored after D: ${ERR}`,
        '',
      ].join('\n') + tail(ERR),
    );
  });

  it('-on-error=run-cleanup-provisioner, with its quirk of naming the next step', async () => {
    const { code, out } = await run([b02], { onError: 'run-cleanup-provisioner' });
    expect(code).toBe(1);
    expect(out).toBe(
      [
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: before-fail',
        '==> null: Provisioning step had errors: Running the cleanup provisioner, if present...',
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: cleanup-provisioner-ran',
        `==> null: ${ERR}`,
        '==> null: Step "StepConnect" failed, aborting...',
        `Build 'null' errored after D: ${ERR}`,
        '',
      ].join('\n') + tail(ERR),
    );
  });

  it('-on-error=ask with no answer source cleans up', async () => {
    const { out } = await run([b02], { onError: 'ask' });
    expect(out).toContain(
      `==> null: ${ERR}\n==> null: Step "StepProvision" failed\n==> null: Provisioning step had errors`,
    );
  });

  it('-on-error=ask answered r then c from an answers file, as Packer with a terminal', async () => {
    const { out } = await run([b02], { onError: 'ask', answers: 'r\nc\n' });
    const q =
      '==> null: [c] Clean up and exit, [a] abort without cleanup, or [r] retry step (build may fail even if retry succeeds)?';
    expect(out).toBe(
      [
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: before-fail',
        `==> null: ${ERR}`,
        '==> null: Step "StepProvision" failed',
        `${q} r`,
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: before-fail',
        `==> null: ${ERR}`,
        '==> null: Step "StepProvision" failed',
        `${q} c`,
        '==> null: Provisioning step had errors: Running the cleanup provisioner, if present...',
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: cleanup-provisioner-ran',
        `Build 'null' errored after D: ${ERR}`,
        '',
      ].join('\n') + tail(ERR),
    );
  });

  it('-on-error=ask: a aborts, x is refused', async () => {
    const a = await run([b02], { onError: 'ask', answers: 'a\n' });
    expect(a.out).toContain(
      `(build may fail even if retry succeeds)? a\n==> null: ${ERR}\n==> null: Step "StepProvision" failed, aborting...\n==> null: aborted: skipping cleanup of step "StepConnect"\n`,
    );
    const x = await run([b02], { onError: 'ask', answers: 'x\nc\n' });
    expect(x.out).toContain('? x\n==> null: Incorrect input: "x"\n==> null: [c] Clean up');
  });
});

describe('breakpoints and -debug', () => {
  const b03: BuildSpec = {
    name: 'null',
    builder: nullNone,
    provisioners: [
      sl('echo one'),
      { type: 'breakpoint', config: { note: 'inspect the VM now' } },
      { type: 'breakpoint', config: {} },
      { type: 'breakpoint', config: { disable: true, note: 'skipped' } },
      sl('echo two'),
    ],
  };

  it('fails with no available tty when nothing can answer', async () => {
    const { code, out } = await run([b03]);
    expect(code).toBe(1);
    expect(out).toBe(
      [
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: one',
        '==> null: Pausing at breakpoint provisioner with note "inspect the VM now".',
        '==> null: Provisioning step had errors: Running the cleanup provisioner, if present...',
        "Build 'null' errored after D: Error asking for input: no available tty",
        '',
      ].join('\n') + tail('Error asking for input: no available tty'),
    );
  });

  it('continues on any answer from --answers', async () => {
    const { code, out } = await run([b03], { answers: '\n\n' });
    expect(code).toBe(0);
    expect(out).toBe(
      [
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: one',
        '==> null: Pausing at breakpoint provisioner with note "inspect the VM now".',
        '==> null: Press enter to continue. ',
        '==> null: Pausing at breakpoint provisioner.',
        '==> null: Press enter to continue. ',
        '==> null: Breakpoint provisioner with note "skipped" disabled; continuing...',
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: two',
        "Build 'null' finished after D.",
        '',
        '==> Wait completed after D',
        '',
        '==> Builds finished. The artifacts of successful builds are:',
        '--> null: Did not export anything. This is the null builder',
        '',
      ].join('\n'),
    );
  });

  it('-debug pauses after each step, before each provisioner and before each cleanup', async () => {
    const { out } = await run(
      [{ name: 'null', builder: nullNone, provisioners: [sl('echo hello from null')] }],
      {
        debug: true,
        answers: '\n\n\n\n\n',
      },
    );
    expect(out).toBe(
      [
        'Debug mode enabled. Builds will not be parallelized.',
        "==> null: Pausing after run of step 'StepConnect'. Press enter to continue. ",
        '==> null: Pausing before the next provisioner . Press enter to continue. ',
        '==> null: Running local shell script: /tmp/packer-shellN',
        '    null: hello from null',
        "==> null: Pausing after run of step 'StepProvision'. Press enter to continue. ",
        "==> null: Pausing before cleanup of step 'StepProvision'. Press enter to continue. ",
        "==> null: Pausing before cleanup of step 'StepConnect'. Press enter to continue. ",
        "Build 'null' finished after D.",
        '',
        '==> Wait completed after D',
        '',
        '==> Builds finished. The artifacts of successful builds are:',
        '--> null: Did not export anything. This is the null builder',
        '',
      ].join('\n'),
    );
  });
});

describe('common provisioner behaviour', () => {
  it('max_retries, with Packer messages', async () => {
    const { out } = await run([
      { name: 'null', builder: nullNone, provisioners: [{ ...sl('exit 2'), max_retries: 2 }] },
    ]);
    const err = 'Script exited with non-zero exit status: 2.Allowed exit codes are: [0]';
    expect(out).toContain(`==> null: Provisioner failed with "${err}", retrying with 2 trie(s) left\n`);
    expect(out).toContain(`==> null: Provisioner failed with "${err}", retrying with 1 trie(s) left\n`);
    expect(out).toContain('==> null: retry limit reached.\n');
    expect(out.match(/Running local shell script/g)).toHaveLength(3);
  });

  it('pause_before and timeout', async () => {
    const { out, code } = await run([
      {
        name: 'null',
        builder: nullNone,
        provisioners: [
          { ...sl('echo paused'), pause_before: 100 },
          { ...sl('sleep 5'), timeout: 300 },
        ],
      },
    ]);
    expect(code).toBe(1);
    expect(out).toContain('==> null: Pausing 100ms before the next provisioner...\n');
    expect(out).toContain('==> null: Setting a 300ms timeout for the next provisioner...\n');
    expect(out).toContain('==> null: Cancelling provisioner after a timeout...\n');
  });

  it('masks sensitive values in every line, the summary included', async () => {
    const { out } = await run(
      [{ name: 'null', builder: nullNone, provisioners: [sl('echo secret=s3cr3t', 'exit 1')] }],
      {
        secrets: ['s3cr3t'],
      },
    );
    expect(out).toContain('    null: secret=<sensitive>\n');
    expect(out).not.toContain('s3cr3t');
  });

  it('PACKER_BUILD_NAME, PACKER_BUILDER_TYPE and environment_vars quoting', async () => {
    const { out } = await run([
      {
        name: 'beta',
        builder: nullNone,
        provisioners: [
          {
            type: 'shell-local',
            config: {
              environment_vars: ["FOO=it's"],
              env: { BAR: 'b a r' },
              inline: [
                'echo FOO=$FOO BAR=$BAR PACKER_BUILD_NAME=$PACKER_BUILD_NAME PACKER_BUILDER_TYPE=$PACKER_BUILDER_TYPE',
              ],
            },
          },
        ],
      },
    ]);
    expect(out).toContain("    beta: FOO=it's BAR=b a r PACKER_BUILD_NAME=beta PACKER_BUILDER_TYPE=null\n");
  });
});
