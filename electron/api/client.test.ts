import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHost, type RunningHost } from '../host/main';
import { socketApi } from './client';
import { ApiError } from './errors';
import type { ApiEvent } from './types';
import type { TestSshd } from '../engine/testing/sshd';
import { sshdAvailable, startSshd } from '../engine/testing/sshd';

let dir: string;
let host: RunningHost;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-client-'));
  await mkdir(join(dir, 'project'));
  await writeFile(join(dir, 'project/a.pkr.hcl'), 'build {}\n');
  host = await startHost({
    configDir: join(dir, 'config'),
    galleryDir: join(dir, 'gallery'),
    rendererDir: dir,
  });
});

afterEach(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

// The renderer's client, with Node's `ws` standing in for the browser's WebSocket (same event interface).
class BrowserLikeSocket extends WebSocket {
  constructor(url: string) {
    super(url, { origin: host.origin });
  }
}
const impl = BrowserLikeSocket as unknown as typeof globalThis.WebSocket;

describe('socketApi', () => {
  it('calls verbs, raises failures as ApiError with their code, and delivers events', async () => {
    const api = await socketApi(host.origin, host.token, impl);
    expect((await api.appInfo({})).platform).toBe('web');
    const ws = await api.openWorkspace({ path: join(dir, 'project') });
    expect(ws.documents.map((d) => d.path)).toEqual(['a.pkr.hcl']);
    const error = await api.readFile({ workspaceId: ws.id, path: '../x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('invalid-input');
    const events: ApiEvent[] = [];
    const unsubscribe = api.onEvent((e) => events.push(e));
    await writeFile(join(dir, 'project/a.pkr.hcl'), 'build { name = "x" }\n');
    await expect.poll(() => events.length, { timeout: 3000 }).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ topic: 'workspace', type: 'file-changed', path: 'a.pkr.hcl' });
    unsubscribe();
    api.close();
    await api.closed;
    await expect(api.appInfo({})).rejects.toMatchObject({ code: 'io' });
  });

  it('says so when the token is wrong', async () => {
    await expect(socketApi(host.origin, 'wrong', impl)).rejects.toThrow(/could not connect/);
  });
});

describe.skipIf(!sshdAvailable())('attachStream over the web host', { timeout: 60_000 }, () => {
  let sshd: TestSshd;
  beforeEach(async () => {
    sshd = await startSshd();
  });
  afterEach(async () => sshd?.stop());

  it('carries a guest shell both ways on its own token-checked socket, and refuses an unknown stream', async () => {
    const project = join(dir, 'remote');
    await mkdir(project);
    await writeFile(
      join(project, 'r.pkr.hcl'),
      `source "null" "r" {
  ssh_host = "127.0.0.1"
  ssh_port = ${sshd.port}
  ssh_username = "${sshd.user}"
  ssh_private_key_file = "${sshd.privateKeyFile}"
}
build {
  sources = ["source.null.r"]
  provisioner "breakpoint" {}
}
`,
    );
    const api = await socketApi(host.origin, host.token, impl);
    const events: ApiEvent[] = [];
    api.onEvent((e) => events.push(e));
    const ws = await api.openWorkspace({ path: project });
    const run = await api.startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false });
    await expect
      .poll(() => events.some((e) => e.topic === 'build' && e.event.type === 'prompt'), { timeout: 20_000 })
      .toBe(true);
    const { streamId } = await api.openStream({
      runId: run.runId,
      build: 'null.r',
      stream: 'shell',
      cols: 100,
      rows: 30,
    });
    const stream = await api.attachStream(streamId);
    let output = '';
    stream.onData((d) => (output += new TextDecoder().decode(d)));
    stream.resize(120, 40);
    stream.send('stty size; echo "sum=$((20+22))"\n');
    await expect.poll(() => output, { timeout: 10_000 }).toContain('sum=42');
    expect(output).toContain('40 120');
    const closed = new Promise<string>((resolve) => stream.onClose(resolve));
    await api.controlBuild({ runId: run.runId, control: { type: 'continue' } });
    expect(await closed).toMatch(/guest shell ended|connection to Kiln closed/);

    // A stream id is good once, and only with the token.
    const again = await api.attachStream(streamId);
    const reason = await new Promise<string>((resolve) => again.onClose(resolve));
    expect(reason).toMatch(/unknown or has expired/);
    const noToken = new BrowserLikeSocket(`${host.origin.replace('http', 'ws')}/stream?id=${streamId}`);
    const refused = await new Promise<string>((resolve) => {
      noToken.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
      noToken.on('error', () => resolve('error'));
    });
    expect(refused).toBe('401');
    api.close();
  });
});
