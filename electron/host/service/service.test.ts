import { mkdtemp, mkdir, readFile, rm, symlink, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiError } from '../../api/errors';
import type { ApiEvent } from '../../api/types';
import { describeReadme } from './gallery';
import type { KilnService } from './service';
import { createTestService } from './testing';

let dir: string;
let events: ApiEvent[];
let service: KilnService;

async function waitFor<T>(probe: () => T | undefined, ms = 3000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-service-'));
  await mkdir(join(dir, 'project/scripts'), { recursive: true });
  await mkdir(join(dir, 'project/output-qemu'), { recursive: true });
  await writeFile(join(dir, 'project/build.pkr.hcl'), 'build {}\n');
  await writeFile(join(dir, 'project/vars.pkrvars.hcl'), 'x = 1\n');
  await writeFile(join(dir, 'project/scripts/setup.sh'), '#!/bin/sh\n');
  await writeFile(join(dir, 'project/output-qemu/disk.qcow2'), 'big');
  await writeFile(join(dir, 'project/binary.bin'), Buffer.from([0, 1, 2, 3]));
  await mkdir(join(dir, 'gallery/quick'), { recursive: true });
  await writeFile(join(dir, 'gallery/quick/null.pkr.hcl'), 'source "null" "x" {}\n');
  await writeFile(
    join(dir, 'gallery/quick/README.md'),
    '# Quick start\n\nA null build.\nIt needs no VM.\n\n## More\n',
  );
  await mkdir(join(dir, 'gallery/empty'), { recursive: true });
  events = [];
  service = createTestService(dir, events, { homeDir: dir });
});

afterEach(async () => {
  await service.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('workspaces', () => {
  it('opens a folder with its template and var files as documents, leaving build outputs out', async () => {
    const ws = await service.openWorkspace({ path: join(dir, 'project') });
    expect(ws.kind).toBe('folder');
    expect(ws.entry).toBe('.');
    expect(ws.documents.map((d) => d.path)).toEqual(['build.pkr.hcl', 'vars.pkrvars.hcl']);
    expect(ws.documents[0].text).toBe('build {}\n');
    expect(ws.tree.map((e) => e.path)).toEqual([
      'binary.bin',
      'build.pkr.hcl',
      'scripts',
      'vars.pkrvars.hcl',
      'scripts/setup.sh',
    ]);
    expect(ws.treeTruncated).toBe(false);
  });

  it('opens a single file with its folder as root', async () => {
    const ws = await service.openWorkspace({ path: join(dir, 'project/build.pkr.hcl') });
    expect(ws.kind).toBe('file');
    expect(ws.root).toBe(join(dir, 'project'));
    expect(ws.entry).toBe('build.pkr.hcl');
    expect(ws.documents.map((d) => d.path)).toEqual(['build.pkr.hcl']);
  });

  it('says clearly when the path does not exist', async () => {
    await expect(service.openWorkspace({ path: join(dir, 'nope') })).rejects.toThrow(
      /nope: no such file or folder/,
    );
  });

  it('reads text files, and gives null for binary or missing ones', async () => {
    const ws = await service.openWorkspace({ path: join(dir, 'project') });
    expect((await service.readFile({ workspaceId: ws.id, path: 'scripts/setup.sh' }))?.text).toBe(
      '#!/bin/sh\n',
    );
    expect(await service.readFile({ workspaceId: ws.id, path: 'binary.bin' })).toBeNull();
    expect(await service.readFile({ workspaceId: ws.id, path: 'missing.sh' })).toBeNull();
  });

  it('refuses to follow a symlink out of the workspace, for reading and for writing', async () => {
    await writeFile(join(dir, 'secret.txt'), 'secret');
    await symlink(join(dir, 'secret.txt'), join(dir, 'project/link.txt'));
    await symlink(dir, join(dir, 'project/up'));
    const ws = await service.openWorkspace({ path: join(dir, 'project') });
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: ApiError) => e.code,
      );
    expect(await code(service.readFile({ workspaceId: ws.id, path: 'link.txt' }))).toBe('outside-workspace');
    expect(await code(service.saveFile({ workspaceId: ws.id, path: 'up/new.txt', text: 'x' }))).toBe(
      'outside-workspace',
    );
    expect(await readFile(join(dir, 'secret.txt'), 'utf8')).toBe('secret');
    await expect(readFile(join(dir, 'new.txt'))).rejects.toThrow();
  });

  it('saves atomically, detects a conflicting change on disk, and creates new files only when asked', async () => {
    const ws = await service.openWorkspace({ path: join(dir, 'project') });
    const doc = ws.documents[0];
    const saved = await service.saveFile({
      workspaceId: ws.id,
      path: doc.path,
      text: 'build { name = "a" }\n',
      expectedVersion: doc.version,
    });
    expect(await readFile(join(dir, 'project/build.pkr.hcl'), 'utf8')).toBe('build { name = "a" }\n');
    expect(saved.version).not.toBe(doc.version);
    // No temporary files are left behind.
    expect((await readdir(join(dir, 'project'))).filter((n) => n.includes('kiln-'))).toEqual([]);

    await writeFile(join(dir, 'project/build.pkr.hcl'), 'changed elsewhere\n');
    await expect(
      service.saveFile({
        workspaceId: ws.id,
        path: doc.path,
        text: 'mine\n',
        expectedVersion: saved.version,
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await readFile(join(dir, 'project/build.pkr.hcl'), 'utf8')).toBe('changed elsewhere\n');

    await expect(
      service.saveFile({ workspaceId: ws.id, path: 'scripts/setup.sh', text: 'x', expectedVersion: null }),
    ).rejects.toMatchObject({ code: 'exists' });
    await service.saveFile({
      workspaceId: ws.id,
      path: 'http/user-data',
      text: '#cloud-config\n',
      expectedVersion: null,
    });
    expect(await readFile(join(dir, 'project/http/user-data'), 'utf8')).toBe('#cloud-config\n');
  });

  it('reports changes made by others, but not its own saves', async () => {
    const ws = await service.openWorkspace({ path: join(dir, 'project') });
    await service.saveFile({ workspaceId: ws.id, path: 'build.pkr.hcl', text: 'ours\n' });
    await new Promise((r) => setTimeout(r, 300));
    expect(
      events.filter(
        (e) => e.topic === 'workspace' && e.type === 'file-changed' && e.path === 'build.pkr.hcl',
      ),
    ).toEqual([]);

    await writeFile(join(dir, 'project/build.pkr.hcl'), 'theirs\n');
    const changed = await waitFor(() =>
      events.find((e) => e.topic === 'workspace' && e.type === 'file-changed' && e.path === 'build.pkr.hcl'),
    );
    expect(changed).toMatchObject({ change: 'changed', workspaceId: ws.id, kind: 'file' });

    await writeFile(join(dir, 'project/scripts/new.sh'), 'echo\n');
    await waitFor(() =>
      events.find(
        (e) =>
          e.topic === 'workspace' &&
          e.type === 'file-changed' &&
          e.path === 'scripts/new.sh' &&
          e.change === 'created',
      ),
    );
    await rm(join(dir, 'project/vars.pkrvars.hcl'));
    await waitFor(() =>
      events.find(
        (e) =>
          e.topic === 'workspace' &&
          e.type === 'file-changed' &&
          e.path === 'vars.pkrvars.hcl' &&
          e.change === 'removed',
      ),
    );
    // Build outputs are never reported.
    await writeFile(join(dir, 'project/output-qemu/disk.qcow2'), 'bigger');
    await new Promise((r) => setTimeout(r, 200));
    expect(
      events.some(
        (e) => e.topic === 'workspace' && e.type === 'file-changed' && e.path.startsWith('output-'),
      ),
    ).toBe(false);
  });

  it('stops reporting once closed, and refuses calls on a closed workspace', async () => {
    const ws = await service.openWorkspace({ path: join(dir, 'project') });
    await service.closeWorkspace({ workspaceId: ws.id });
    await writeFile(join(dir, 'project/build.pkr.hcl'), 'later\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual([]);
    await expect(service.readFile({ workspaceId: ws.id, path: 'build.pkr.hcl' })).rejects.toMatchObject({
      code: 'not-found',
    });
  });
});

describe('recent workspaces', () => {
  it('remembers opened workspaces, newest first, and forgets on request', async () => {
    await service.openWorkspace({ path: join(dir, 'project') });
    await service.openWorkspace({ path: join(dir, 'project/build.pkr.hcl') });
    await service.openWorkspace({ path: join(dir, 'project') });
    const recent = await service.recentWorkspaces({});
    expect(recent.map((r) => [r.path, r.kind])).toEqual([
      [join(dir, 'project'), 'folder'],
      [join(dir, 'project/build.pkr.hcl'), 'file'],
    ]);
    expect((await service.forgetRecent({ path: join(dir, 'project') })).map((r) => r.path)).toEqual([
      join(dir, 'project/build.pkr.hcl'),
    ]);
  });

  it('treats a damaged recent file as empty', async () => {
    await mkdir(join(dir, 'config'), { recursive: true });
    await writeFile(join(dir, 'config/recent.json'), '{not json');
    expect(await service.recentWorkspaces({})).toEqual([]);
  });
});

describe('gallery', () => {
  it('lists folders with template files, titled from their README', async () => {
    expect(await service.listGallery({})).toEqual([
      {
        id: 'quick',
        title: 'Quick start',
        description: 'A null build. It needs no VM.',
        files: ['null.pkr.hcl'],
      },
    ]);
  });

  it('copies a template into a new folder and opens it; never into a folder with files', async () => {
    const ws = await service.createFromGallery({ templateId: 'quick', destination: join(dir, 'mine/quick') });
    expect(ws.documents.map((d) => d.path)).toEqual(['null.pkr.hcl']);
    expect(await readFile(join(dir, 'mine/quick/README.md'), 'utf8')).toContain('Quick start');
    await expect(
      service.createFromGallery({ templateId: 'quick', destination: join(dir, 'project') }),
    ).rejects.toMatchObject({ code: 'exists' });
    await expect(
      service.createFromGallery({ templateId: 'nope', destination: join(dir, 'x') }),
    ).rejects.toMatchObject({ code: 'not-found' });
  });

  it('falls back to the folder name when there is no README heading', () => {
    expect(describeReadme('', 'iso')).toEqual({ title: 'iso', description: '' });
  });
});

describe('listDirectory', () => {
  it('lists folders first, then files, with the parent', async () => {
    const listing = await service.listDirectory({ path: join(dir, 'project') });
    expect(listing.parent).toBe(dir);
    expect(listing.entries.slice(0, 2)).toEqual([
      { name: 'output-qemu', kind: 'dir' },
      { name: 'scripts', kind: 'dir' },
    ]);
    await expect(service.listDirectory({ path: join(dir, 'project/build.pkr.hcl') })).rejects.toMatchObject({
      code: 'invalid-input',
    });
  });

  it('says what is at absolute paths, without reading them', async () => {
    const p = join(dir, 'project');
    expect(await service.statPaths({ paths: [p, join(p, 'build.pkr.hcl'), join(p, 'nope')] })).toEqual({
      [p]: 'dir',
      [join(p, 'build.pkr.hcl')]: 'file',
      [join(p, 'nope')]: null,
    });
  });

  it('has no native dialog on the web host', async () => {
    await expect(service.pickPath({ kind: 'file' })).rejects.toMatchObject({ code: 'unsupported' });
    expect((await service.appInfo({})).nativeDialogs).toBe(false);
  });
});
