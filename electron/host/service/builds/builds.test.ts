/**
 * Builds through the Api service, as the app runs them: trust enforced before anything runs, pauses at
 * breakpoint provisioners and gutter breakpoints, the per-provisioner on-error question with an edit
 * picked up on retry, cancellation, artifacts with sizes and checksums, the history on disk, and the
 * guest shell over the build's own SSH connection while it is paused.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../api/errors';
import type { ApiEvent, BuildRunSummary, Prompt, WorkspaceInfo } from '../../../api/types';
import type { TestSshd } from '../../../engine/testing/sshd';
import { sshdAvailable, startSshd } from '../../../engine/testing/sshd';
import type { KilnService } from '../service';
import { createTestService } from '../testing';
import { startLoopbackHttp } from '../../../engine/testing/http';
import type { StreamPeer } from './streams';

let dir: string;
let project: string;
let service: KilnService;
let events: ApiEvent[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-builds-'));
  project = join(dir, 'project');
  await mkdir(project, { recursive: true });
  events = [];
  service = createTestService(dir, events, { homeDir: dir });
});

afterEach(async () => {
  await service.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function waitFor<T>(find: () => T | undefined, what: string, ms = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const found = find();
    if (found !== undefined && found !== false) return found;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const runState = (runId: string) =>
  [...events]
    .reverse()
    .find(
      (e): e is Extract<ApiEvent, { topic: 'run'; type: 'run-changed' }> =>
        e.topic === 'run' && e.type === 'run-changed' && e.run.runId === runId,
    )?.run;

const buildEvents = (runId: string) =>
  events.filter((e): e is Extract<ApiEvent, { topic: 'build' }> => e.topic === 'build' && e.runId === runId);

const logLines = (runId: string) =>
  buildEvents(runId)
    .map((e) => e.event)
    .filter((e) => e.type === 'log')
    .map((e) => (e.type === 'log' ? e.text : ''));

async function openProject(files: Record<string, string>, trusted = true): Promise<WorkspaceInfo> {
  for (const [name, text] of Object.entries(files)) await writeFile(join(project, name), text);
  const ws = await service.openWorkspace({ path: project });
  if (trusted) await service.setTrust({ workspaceId: ws.id, trusted: true });
  return ws;
}

async function nextPrompt(runId: string, after = 0): Promise<Prompt> {
  return waitFor(() => {
    const run = runState(runId);
    return run && run.openPrompts.length > after - after ? run.openPrompts[0] : undefined;
  }, 'a prompt');
}

async function finished(runId: string): Promise<BuildRunSummary> {
  return waitFor(() => {
    const run = runState(runId);
    return run?.finishedAt && run.state !== 'running' ? run : undefined;
  }, `run ${runId} to finish`);
}

const SHELL_LOCAL = `
source "null" "example" { communicator = "none" }
build {
  sources = ["source.null.example"]
  provisioner "shell-local" { inline = ["echo first-step"] }
  provisioner "breakpoint" { note = "look around" }
  provisioner "shell-local" { inline = ["echo after-the-break"] }
}
`;

describe('template trust', () => {
  it('refuses to run shell-local from an untrusted folder, in the service, and runs it once trusted', async () => {
    const ws = await openProject({ 't.pkr.hcl': SHELL_LOCAL }, false);
    expect(ws.trust).toMatchObject({ folder: project, trusted: false });
    expect(ws.trust.needs.map((n) => n.address)).toEqual([
      'build[0].provisioner[0]',
      'build[0].provisioner[2]',
    ]);
    const refused = await service
      .startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe('untrusted');
    expect((refused as ApiError).message).toContain('shell-local provisioner build[0].provisioner[0]');
    expect(existsSync(join(dir, 'data/builds'))).toBe(false);

    const trust = await service.setTrust({ workspaceId: ws.id, trusted: true });
    expect(trust.trusted).toBe(true);
    // Kept per folder: a new service (a restart) still trusts it.
    await service.dispose();
    service = createTestService(dir, events);
    const again = await service.openWorkspace({ path: project });
    expect(again.trust.trusted).toBe(true);
    await service.setTrust({ workspaceId: again.id, trusted: false });
    const refusedAgain = await service
      .startBuild({ workspaceId: again.id, onError: 'cleanup', debug: false })
      .catch((e: ApiError) => e.code);
    expect(refusedAgain).toBe('untrusted');
  });
});

describe('data sources', () => {
  it('runs them only for a trusted folder, logs what they print, and refuses a run whose data source fails', async () => {
    let requests = 0;
    const server = await startLoopbackHttp((req, res) => {
      requests++;
      res.statusCode = req.url === '/blob' ? 200 : 404;
      res.setHeader('Content-Type', 'application/octet-stream');
      res.end('release-9');
    });
    const base = server.base;
    try {
      const template = (path: string) => `
data "http" "release" { url = "${base}/${path}" }
source "null" "example" { communicator = "none" }
build {
  sources = ["source.null.example"]
  provisioner "shell-local" { inline = ["echo got-\${data.http.release.body}"] }
}
`;
      const ws = await openProject({ 't.pkr.hcl': template('blob') }, false);
      expect(ws.trust.needs.map((n) => n.kind)).toContain('data');
      const refused = await service
        .startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false })
        .catch((e: ApiError) => e.code);
      expect(refused).toBe('untrusted');
      expect(requests).toBe(0);

      await service.setTrust({ workspaceId: ws.id, trusted: true });
      const run = await service.startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false });
      expect((await finished(run.runId)).state).toBe('succeeded');
      expect(requests).toBe(1);
      expect(logLines(run.runId)).toContain('got-release-9');
      expect(logLines(run.runId)).toContain(
        'Content-Type is not recognized as a text type, got "application/octet-stream"',
      );

      await writeFile(join(project, 't.pkr.hcl'), template('gone'));
      const failed = await service
        .startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false })
        .catch((e: ApiError) => e);
      expect(failed).toBeInstanceOf(ApiError);
      expect((failed as ApiError).message).toContain(
        'Datasource.Execute failed: HTTP request error. Response code: 404',
      );
      expect((failed as ApiError).message).toContain('t.pkr.hcl:2');
    } finally {
      await server.close();
    }
  });
});

describe('builds', () => {
  it('pauses at a breakpoint provisioner, continues, succeeds, and keeps the run in the history', async () => {
    const ws = await openProject({ 't.pkr.hcl': SHELL_LOCAL });
    const run = await service.startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false });
    const prompt = await nextPrompt(run.runId);
    expect(prompt).toMatchObject({
      kind: 'breakpoint',
      subject: 'look around',
      address: 'build[0].provisioner[1]',
    });
    expect(runState(run.runId)?.state).toBe('paused');
    expect(logLines(run.runId)).toContain('first-step');
    expect(logLines(run.runId)).not.toContain('after-the-break');
    expect(await service.controlBuild({ runId: run.runId, control: { type: 'continue' } })).toBe(true);
    const done = await finished(run.runId);
    expect(done.state).toBe('succeeded');
    expect(done.builds).toEqual([expect.objectContaining({ name: 'null.example', state: 'succeeded' })]);
    expect(logLines(run.runId)).toContain('after-the-break');
    // Events are numbered from 1 without gaps, and the history has them all.
    const seqs = buildEvents(run.runId).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const detail = await service.getBuild({ runId: run.runId });
    expect(detail.events.map((e) => e.seq)).toEqual(seqs);
    expect(detail.summary.state).toBe('succeeded');
    const answered = detail.events.find((e) => e.event.type === 'prompt-answered');
    expect(answered?.event).toMatchObject({ source: 'gui', answer: '' });
    const list = await service.listBuilds({ root: project });
    expect(list.map((r) => r.runId)).toEqual([run.runId]);
    // A second service reads the same history.
    const dataRuns = readdirSync(join(dir, 'data/builds'));
    expect(dataRuns).toEqual([run.runId]);
    await service.deleteBuild({ runId: run.runId });
    expect(await service.listBuilds({})).toEqual([]);
  });

  it('pauses before a component set as a gutter breakpoint (by address), with no change to the file', async () => {
    const text = `
source "null" "example" { communicator = "none" }
build {
  sources = ["source.null.example"]
  provisioner "shell-local" { inline = ["echo one"] }
  provisioner "shell-local" { inline = ["echo two"] }
  post-processor "shell-local" { inline = ["echo three"] }
}
`;
    const ws = await openProject({ 't.pkr.hcl': text });
    expect(
      await service.setBreakpoints({ workspaceId: ws.id, breakpoints: ['build[0].provisioner[1]'] }),
    ).toEqual(['build[0].provisioner[1]']);
    const run = await service.startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false });
    const first = await nextPrompt(run.runId);
    expect(first).toMatchObject({ kind: 'breakpoint', address: 'build[0].provisioner[1]' });
    expect(logLines(run.runId)).toContain('one');
    expect(logLines(run.runId)).not.toContain('two');
    // Set while paused: the running build sees it at the post-processor.
    await service.setBreakpoints({
      workspaceId: ws.id,
      breakpoints: ['build[0].provisioner[1]', 'build[0].post-processor[0]'],
    });
    await service.controlBuild({
      runId: run.runId,
      control: { type: 'answer', promptId: first.id, answer: '' },
    });
    const second = await waitFor(
      () => runState(run.runId)?.openPrompts.find((p) => p.id !== first.id),
      'the post-processor breakpoint',
    );
    expect(second.address).toBe('build[0].post-processor[0]');
    expect(logLines(run.runId)).toContain('two');
    expect(logLines(run.runId)).not.toContain('three');
    await service.controlBuild({ runId: run.runId, control: { type: 'continue' } });
    expect((await finished(run.runId)).state).toBe('succeeded');
    expect(readFileSync(join(project, 't.pkr.hcl'), 'utf8')).toBe(text);
    // Kept per workspace.
    const reopened = await service.openWorkspace({ path: project });
    expect(reopened.breakpoints).toEqual(['build[0].post-processor[0]', 'build[0].provisioner[1]']);
  });

  it('asks at a failed provisioner; the provisioner edited on disk runs on retry, against the same build', async () => {
    const broken = `
source "null" "example" { communicator = "none" }
build {
  sources = ["source.null.example"]
  provisioner "shell-local" { inline = ["echo before"] }
  provisioner "shell-local" { inline = ["echo broken", "exit 4"] }
  provisioner "shell-local" { inline = ["echo after"] }
}
`;
    const ws = await openProject({ 't.pkr.hcl': broken });
    const run = await service.startBuild({ workspaceId: ws.id, onError: 'ask', debug: false });
    const prompt = await nextPrompt(run.runId);
    expect(prompt).toMatchObject({ kind: 'on-error', address: 'build[0].provisioner[1]' });
    expect(prompt.choices?.map((c) => c.answer)).toEqual(['r', 'n', 'c', 'a', 'k']);
    await writeFile(join(project, 't.pkr.hcl'), broken.replace('"echo broken", "exit 4"', '"echo fixed"'));
    await service.controlBuild({
      runId: run.runId,
      control: { type: 'answer', promptId: prompt.id, answer: 'r' },
    });
    const done = await finished(run.runId);
    expect(done.state).toBe('succeeded');
    const lines = logLines(run.runId);
    expect(lines).toContain(
      'Running build[0].provisioner[1] (shell-local) as the template says now (it was edited).',
    );
    expect(lines.indexOf('fixed')).toBeGreaterThan(lines.indexOf('broken'));
    expect(lines.filter((l) => l === 'before')).toHaveLength(1);
    expect(lines).toContain('after');
  });

  it('cancels a running build: the local command is killed, the build says so', async () => {
    const marker = `kiln-cancel-${process.pid}-${Date.now()}`;
    const ws = await openProject({
      't.pkr.hcl': `
source "null" "example" { communicator = "none" }
build {
  sources = ["source.null.example"]
  provisioner "shell-local" { inline = ["echo started", "exec sh -c 'sleep 300; true' ${marker}"] }
}
`,
    });
    const run = await service.startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false });
    await waitFor(() => logLines(run.runId).includes('started') || undefined, 'the script to start');
    const sleeping = () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .some((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
          } catch {
            return false;
          }
        });
    await waitFor(() => sleeping() || undefined, 'the sleep to run');
    await service.cancelBuild({ runId: run.runId });
    const done = await finished(run.runId);
    expect(done.state).toBe('cancelled');
    expect(sleeping()).toBe(false);
    expect(logLines(run.runId)).toContain(
      'Build cancelled: every step that ran was cleaned up (VMs stopped, temporary files removed).',
    );
  });

  it('lists artifacts with their sizes and sha256', async () => {
    await writeFile(join(project, 'payload.txt'), 'hello artifact\n');
    const ws = await openProject({
      't.pkr.hcl': `
source "file" "example" {
  source = "payload.txt"
  target = "out/payload.txt"
}
build { sources = ["source.file.example"] }
`,
    });
    const run = await service.startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false });
    const done = await waitFor(() => {
      const r = runState(run.runId);
      return r?.artifacts[0]?.files[0]?.sha256 ? r : undefined;
    }, 'the artifact checksum');
    expect(done.state).toBe('succeeded');
    const file = done.artifacts[0].files[0];
    expect(file.path).toBe(join(project, 'out/payload.txt'));
    expect(file.size).toBe(15);
    expect(file.sha256).toBe(createHash('sha256').update('hello artifact\n').digest('hex'));
  });

  it('refuses a second build of the same template while one runs, and a template with errors', async () => {
    const ws = await openProject({ 't.pkr.hcl': SHELL_LOCAL });
    const run = await service.startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false });
    await nextPrompt(run.runId);
    const second = await service
      .startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false })
      .catch((e: ApiError) => e);
    expect((second as ApiError).code).toBe('conflict');
    await service.cancelBuild({ runId: run.runId });
    expect((await finished(run.runId)).state).toBe('cancelled');
    await writeFile(join(project, 't.pkr.hcl'), 'build { nonsense }\n');
    const bad = await service
      .startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false })
      .catch((e: ApiError) => e);
    expect((bad as ApiError).code).toBe('invalid-input');
    expect((bad as ApiError).message).toMatch(
      /^project has errors; fix them before building:\n.*t\.pkr\.hcl:1/,
    );
  });
});

describe.skipIf(!sshdAvailable())('the guest shell', { timeout: 60_000 }, () => {
  let sshd: TestSshd;
  beforeEach(async () => {
    sshd = await startSshd();
  });
  afterEach(async () => sshd?.stop());

  it('opens over the build’s SSH connection while it is paused, and closes when the build cleans up', async () => {
    const ws = await openProject({
      't.pkr.hcl': `
source "null" "remote" {
  ssh_host = "127.0.0.1"
  ssh_port = ${sshd.port}
  ssh_username = "${sshd.user}"
  ssh_private_key_file = "${sshd.privateKeyFile}"
}
build {
  sources = ["source.null.remote"]
  provisioner "breakpoint" { note = "inspect" }
}
`,
    });
    const run = await service.startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false });
    await nextPrompt(run.runId);
    const handle = buildEvents(run.runId).find((e) => e.event.type === 'handle');
    expect(handle?.event).toMatchObject({
      type: 'handle',
      name: 'shell',
      available: true,
      build: 'null.remote',
    });
    const { streamId } = await service.openStream({
      runId: run.runId,
      build: 'null.remote',
      stream: 'shell',
      cols: 80,
      rows: 24,
    });
    let output = '';
    let closedWith: string | undefined;
    const peer: StreamPeer = {
      data: (b) => (output += Buffer.from(b).toString('utf8')),
      closed: (reason) => (closedWith = reason),
    };
    const end = service.streams.claim(streamId, peer);
    expect(end).toBeDefined();
    expect(service.streams.claim(streamId, peer)).toBeUndefined();
    end!.input(Buffer.from('echo "shell says $((6*7))"\n'));
    await waitFor(() => output.includes('shell says 42') || undefined, 'the shell to answer');
    await service.controlBuild({ runId: run.runId, control: { type: 'continue' } });
    expect((await finished(run.runId)).state).toBe('succeeded');
    await waitFor(() => closedWith, 'the shell to close');
    expect(closedWith).toMatch(/^The guest shell ended/);
    const gone = await service
      .openStream({ runId: run.runId, build: 'null.remote', stream: 'shell', cols: 80, rows: 24 })
      .catch((e: ApiError) => e.code);
    expect(gone).toBe('unsupported');
  });
});
