import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHost, type RunningHost } from '../host/main';
import { socketApi } from './client';
import { ApiError } from './errors';
import type { ApiEvent } from './types';

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
