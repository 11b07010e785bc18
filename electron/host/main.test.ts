import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WireMessage } from '../api/wire';
import { startHost, type RunningHost } from './main';

let dir: string;
let host: RunningHost;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-host-'));
  await mkdir(join(dir, 'renderer/assets'), { recursive: true });
  await writeFile(join(dir, 'renderer/index.html'), '<!doctype html><title>Kiln</title>');
  await writeFile(join(dir, 'renderer/assets/app.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'secret');
  await mkdir(join(dir, 'project'));
  await writeFile(join(dir, 'project/a.pkr.hcl'), 'build {}\n');
  host = await startHost({
    configDir: join(dir, 'config'),
    galleryDir: join(dir, 'gallery'),
    rendererDir: join(dir, 'renderer'),
  });
});

afterEach(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}) {
  const url = new URL(path, host.origin);
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: url.port,
          path: url.pathname + url.search,
          headers: { host: url.host, ...headers },
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

function connect(opts: { token?: string; origin?: string } = {}): Promise<WebSocket> {
  const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/api?token=${opts.token ?? host.token}`, {
    origin: opts.origin ?? host.origin,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, method: string, input: unknown): Promise<WireMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as WireMessage;
      if ((msg.kind === 'result' || msg.kind === 'error') && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, input }));
  });
}

describe('web host', () => {
  it('serves the renderer with a strict CSP, and nothing outside it', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Kiln</title>');
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(index.headers['cache-control']).toBe('no-store');
    const asset = await get('/assets/app.js');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    // Content-hashed names: kept for good, so a reopened Kiln reuses the browser's code cache.
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get('/../secret.txt')).status).toBe(404);
    expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
  });

  it('refuses requests naming another Host (DNS rebinding)', async () => {
    expect((await get('/', { host: 'evil.example:80' })).status).toBe(421);
  });

  it('refuses sockets without the token or from another origin', async () => {
    await expect(connect({ token: 'wrong' })).rejects.toThrow('HTTP 401');
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
  });

  it('answers Api calls over the socket and validates their input', async () => {
    const ws = await connect();
    const info = await call(ws, 1, 'appInfo', {});
    expect(info).toMatchObject({ kind: 'result', id: 1, value: { platform: 'web', nativeDialogs: false } });
    const opened = await call(ws, 2, 'openWorkspace', { path: join(dir, 'project') });
    expect(opened).toMatchObject({
      kind: 'result',
      value: { kind: 'folder', documents: [{ path: 'a.pkr.hcl' }] },
    });
    const bad = await call(ws, 3, 'readFile', { workspaceId: 'x', path: '../secret.txt' });
    expect(bad).toMatchObject({ kind: 'error', id: 3, error: { code: 'invalid-input' } });
    const unknown = await call(ws, 4, 'rm', {});
    expect(unknown).toMatchObject({ kind: 'error', error: { code: 'unknown-method' } });
    ws.close();
  });

  it('pushes file changes on disk to connected sockets', async () => {
    const ws = await connect();
    const opened = await call(ws, 1, 'openWorkspace', { path: join(dir, 'project') });
    const id = opened.kind === 'result' ? (opened.value as { id: string }).id : '';
    const event = new Promise<WireMessage>((resolve) =>
      ws.on('message', (d) => {
        const msg = JSON.parse(d.toString()) as WireMessage;
        if (msg.kind === 'event') resolve(msg);
      }),
    );
    await writeFile(join(dir, 'project/a.pkr.hcl'), 'build { name = "x" }\n');
    expect(await event).toMatchObject({
      kind: 'event',
      event: {
        topic: 'workspace',
        type: 'file-changed',
        workspaceId: id,
        path: 'a.pkr.hcl',
        change: 'changed',
      },
    });
    ws.close();
  });
});
