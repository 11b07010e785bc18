/**
 * MAAS through the Api service, against the fake region: profiles checked before they are saved, the
 * region's images, the upload form filled in from a build and checked against the region, an upload
 * with progress events and the region's verdict, a refusal in the region's own words, and cancelling.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiError } from '../../api/errors';
import type { ApiEvent, BuildRunSummary, MaasUploadState } from '../../api/types';
import { startFakeRegion, type FakeRegion } from '../../engine/maas/fake-region/index';
import { storedFileProblems } from '../../engine/maas/fake-region/testing';
import type { KilnService } from './service';
import { createTestService } from './testing';

let dir: string;
let region: FakeRegion;
let service: KilnService;
let events: ApiEvent[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-maas-service-'));
  region = await startFakeRegion();
  events = [];
  service = createTestService(dir, events);
});

afterEach(async () => {
  await service.dispose();
  await region.close();
  await rm(dir, { recursive: true, force: true });
});

async function waitFor<T>(find: () => T | undefined, what: string, ms = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A finished file build whose artifact is `out/<name>`. */
async function buildArtifact(name: string, bytes: Buffer): Promise<{ run: BuildRunSummary; file: string }> {
  const project = join(dir, 'project');
  await mkdir(project, { recursive: true });
  await writeFile(join(project, 'src.bin'), bytes);
  await writeFile(
    join(project, 'image.pkr.hcl'),
    `source "file" "img" {\n  source = "src.bin"\n  target = "out/${name}"\n}\nbuild { sources = ["source.file.img"] }\n`,
  );
  const ws = await service.openWorkspace({ path: project });
  const started = await service.startBuild({ workspaceId: ws.id, onError: 'cleanup', debug: false });
  const run = await waitFor(() => {
    const e = [...events]
      .reverse()
      .find((x) => x.topic === 'run' && x.type === 'run-changed' && x.run.runId === started.runId);
    return e && e.topic === 'run' && e.type === 'run-changed' && e.run.artifacts[0]?.files[0]?.sha256
      ? e.run
      : undefined;
  }, 'the build and its checksum');
  return { run, file: join(project, 'out', name) };
}

const uploadEvents = () =>
  events.flatMap((e) => (e.topic === 'maas' && e.type === 'upload' ? [e.upload] : []));

describe('MAAS profiles', () => {
  it('tests the region and the key before saving, and says what the region says when it refuses', async () => {
    const info = await service.maasTestConnection({ url: region.url, apiKey: region.apiKey });
    expect(info).toMatchObject({ user: 'admin', isAdmin: true });
    const bad = await service
      .maasSaveProfile({ name: 'lab', url: region.url, apiKey: 'a:b:c' })
      .catch((e: ApiError) => e);
    expect((bad as ApiError).code).toBe('refused');
    expect((bad as ApiError).message).toContain('Invalid API key');
    expect((await service.maasProfiles({})).profiles).toEqual([]);
    const saved = await service.maasSaveProfile({ name: 'lab', url: region.url, apiKey: region.apiKey });
    expect(saved.profiles).toEqual([
      { name: 'lab', url: `${region.url.replace(/\/$/, '')}`, isDefault: true },
    ]);
    expect(saved.storage.kind).toBe('file');
    const images = await service.maasListImages({ profile: 'lab' });
    expect(images.map((i) => `${i.type} ${i.name} ${i.architecture}`)).toEqual([
      'Synced ubuntu/jammy amd64/ga-22.04',
    ]);
    expect((await service.maasRemoveProfile({ name: 'lab' })).profiles).toEqual([]);
  });
});

describe('uploads from a build', () => {
  beforeEach(async () => {
    await service.maasSaveProfile({ name: 'lab', url: region.url, apiKey: region.apiKey });
  });

  it('fills in the form from the build and checks it against the region', async () => {
    const { run, file } = await buildArtifact('noble-custom.tar.gz', Buffer.alloc(1000, 1));
    const plan = await service.maasPlanUpload({ runId: run.runId, file, profile: 'lab' });
    expect(plan.fields).toMatchObject({
      name: 'custom/noble-custom',
      architecture: 'amd64/generic',
      filetype: 'tgz',
    });
    expect(plan.architectures[0]).toBe('amd64/generic');
    expect(plan.baseImages).toEqual(['ubuntu/jammy']);
    expect(plan.problems).toEqual([]);
    const wrong = await service.maasPlanUpload({
      runId: run.runId,
      file,
      profile: 'lab',
      fields: { architecture: 'sparc/generic', name: 'rhel/9', filetype: 'zip' },
    });
    expect(wrong.problems.map((p) => p.field).sort()).toEqual(['architecture', 'baseImage', 'filetype']);
    // Only a file the run made may be uploaded.
    const other = await service
      .maasPlanUpload({ runId: run.runId, file: '/etc/passwd', profile: 'lab' })
      .catch((e: ApiError) => e.code);
    expect(other).toBe('invalid-input');
  });

  it('uploads with progress, and the region holds exactly the file', async () => {
    const bytes = Buffer.alloc(9 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i % 251;
    const { run, file } = await buildArtifact('root.tar.gz', bytes);
    const plan = await service.maasPlanUpload({ runId: run.runId, file, profile: 'lab' });
    const started = await service.maasUpload({ runId: run.runId, file, profile: 'lab', fields: plan.fields });
    expect(started.state).toBe('running');
    const done = await waitFor(
      () => uploadEvents().find((u) => u.uploadId === started.uploadId && u.state !== 'running'),
      'the upload',
    );
    expect(done).toMatchObject({
      state: 'succeeded',
      phase: 'complete',
      complete: true,
      bytes: bytes.length,
    });
    expect(done.summary).toMatch(
      /^Uploaded root\.tgz as resource \d+ in [\d.]+ s; MAAS reports it complete\.$/,
    );
    const phases = new Set(uploadEvents().map((u: MaasUploadState) => u.phase));
    expect(phases.has('uploading') || phases.has('creating')).toBe(true);
    const stored = region.files().find((f) => f.resourceId === done.resourceId);
    expect(await storedFileProblems(region, stored!.id, bytes)).toEqual([]);
    expect((await service.maasUploads({})).map((u) => u.state)).toEqual(['succeeded']);
  });

  it('shows the region’s own words when it refuses', async () => {
    const { run, file } = await buildArtifact('odd.tar.gz', Buffer.alloc(100, 3));
    const started = await service.maasUpload({
      runId: run.runId,
      file,
      profile: 'lab',
      fields: {
        name: 'foo/bar',
        title: 'x',
        architecture: 'amd64/generic',
        filetype: 'tgz',
        baseImage: 'ubuntu/jammy',
      },
    });
    const done = await waitFor(
      () => uploadEvents().find((u) => u.uploadId === started.uploadId && u.state !== 'running'),
      'the refusal',
    );
    expect(done.state).toBe('failed');
    expect(done.error).toContain("Unsupport operating system foo, supported operating systems: ['ubuntu'");
  });
});
