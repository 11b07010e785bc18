/**
 * Runtime checks for every Api input. Whatever transport a call arrives on, `dispatch.ts` parses its input
 * with the schema here before the service sees it, so the service can trust shapes and only check meaning
 * (that a path stays inside its workspace, that a file exists).
 */
import { z } from 'zod';
import type { ApiInputs, ApiMethod } from './types';

const MAX_PATH = 4096;
const MAX_TEXT = 32 * 1024 * 1024;

const noNul = (s: string) => !s.includes('\0');

/** An absolute POSIX path from the user (a dialog or a typed path). */
export const absolutePath = z
  .string()
  .min(1)
  .max(MAX_PATH)
  .refine(noNul, 'must not contain a NUL character')
  .refine((s) => s.startsWith('/'), 'must be an absolute path');

/** A path inside a workspace: relative, `/`-separated, never climbing out with `..`. */
export const workspacePath = z
  .string()
  .min(1)
  .max(MAX_PATH)
  .refine(noNul, 'must not contain a NUL character')
  .refine((s) => !s.startsWith('/'), 'must be relative to the workspace')
  .refine((s) => !s.split('/').includes('..'), 'must not leave the workspace with ..');

const workspaceId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a workspace id');
const empty = z.strictObject({});
/** A SimpleStreams mirror: a stream's name, a URL, or an absolute folder. */
const imageStream = z
  .string()
  .min(1)
  .max(MAX_PATH)
  .refine(noNul, 'must not contain a NUL character')
  .refine(
    (s) =>
      /^(stable|candidate|released|daily)$/i.test(s) || /^(https?|file):\/\//i.test(s) || s.startsWith('/'),
    'must be stable, candidate, a mirror URL or an absolute folder',
  );
const runId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a run id');
/** A build name as Packer makes them (`null`, `mybuild.qemu.ubuntu`). */
const buildName = z.string().min(1).max(500).refine(noNul, 'must not contain a NUL character');
/** A component address from the template model (`build[0].provisioner[2]`, `post-processors[1][0]`). */
const componentAddress = z
  .string()
  .max(300)
  .regex(/^[A-Za-z0-9_.[\]"-]+$/, 'is not a component address');
const shortText = (max: number) => z.string().max(max).refine(noNul, 'must not contain a NUL character');
const onError = z.enum(['cleanup', 'abort', 'ask', 'run-cleanup-provisioner']);
const answerSource = z.enum(['terminal', 'file', 'gui', 'test']);
const buildControl = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('answer'),
    promptId: z.string().max(64),
    answer: shortText(1000),
    source: answerSource.optional(),
  }),
  z.strictObject({
    type: z.literal('continue'),
    build: buildName.optional(),
    source: answerSource.optional(),
  }),
  z.strictObject({ type: z.literal('abort'), reason: shortText(500).optional() }),
]);
const profileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'is not a profile name');
const maasUrl = shortText(2000).min(1);
const maasApiKey = shortText(500).min(1);
const uploadFields = z.strictObject({
  name: shortText(200).min(1),
  title: shortText(500),
  architecture: shortText(100).min(1),
  filetype: shortText(20).min(1),
  baseImage: shortText(100).optional(),
});
const terminalSize = z.number().int().min(2).max(1000);

export const apiInputSchemas = {
  appInfo: empty,
  listDirectory: z.strictObject({ path: absolutePath }),
  statPaths: z.strictObject({ paths: z.array(absolutePath).max(256) }),
  pickPath: z.strictObject({
    kind: z.enum(['file', 'folder']),
    title: z.string().max(200).optional(),
    defaultPath: absolutePath.optional(),
  }),
  openWorkspace: z.strictObject({ path: absolutePath }),
  closeWorkspace: z.strictObject({ workspaceId }),
  readFile: z.strictObject({ workspaceId, path: workspacePath }),
  saveFile: z.strictObject({
    workspaceId,
    path: workspacePath,
    text: z.string().max(MAX_TEXT),
    expectedVersion: z.string().max(200).nullable().optional(),
  }),
  recentWorkspaces: empty,
  forgetRecent: z.strictObject({ path: absolutePath }),
  listGallery: empty,
  createFromGallery: z.strictObject({
    templateId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'is not a gallery template id'),
    destination: absolutePath,
  }),
  startBuild: z.strictObject({
    workspaceId,
    only: z.array(shortText(200).min(1)).max(100).optional(),
    except: z.array(shortText(200).min(1)).max(100).optional(),
    vars: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,199}$/, 'is not a variable name'),
        shortText(100_000),
      )
      .optional(),
    varFiles: z.array(workspacePath).max(50).optional(),
    onError,
    debug: z.boolean(),
    force: z.boolean().optional(),
  }),
  controlBuild: z.strictObject({ runId, control: buildControl }),
  cancelBuild: z.strictObject({ runId }),
  listBuilds: z.strictObject({ root: absolutePath.optional() }),
  getBuild: z.strictObject({ runId, maxEvents: z.number().int().min(1).max(200_000).optional() }),
  deleteBuild: z.strictObject({ runId }),
  setBreakpoints: z.strictObject({ workspaceId, breakpoints: z.array(componentAddress).max(1000) }),
  setTrust: z.strictObject({ workspaceId, trusted: z.boolean() }),
  checkTrust: z.strictObject({ workspaceId }),
  openStream: z.strictObject({
    runId,
    build: buildName,
    stream: z.enum(['serial', 'shell']),
    cols: terminalSize,
    rows: terminalSize,
  }),
  vmScreenshot: z.strictObject({ runId, build: buildName }),
  maasProfiles: empty,
  maasSaveProfile: z.strictObject({
    name: profileName,
    url: maasUrl,
    apiKey: maasApiKey,
    makeDefault: z.boolean().optional(),
  }),
  maasRemoveProfile: z.strictObject({ name: profileName }),
  maasTestConnection: z.union([
    z.strictObject({ profile: profileName }),
    z.strictObject({ url: maasUrl, apiKey: maasApiKey }),
  ]),
  maasListImages: z.strictObject({ profile: profileName }),
  maasDeleteImage: z.strictObject({ profile: profileName, id: z.number().int().min(0) }),
  maasPlanUpload: z.strictObject({
    runId,
    file: absolutePath,
    profile: profileName,
    fields: uploadFields.partial().optional(),
  }),
  maasUpload: z.strictObject({ runId, file: absolutePath, profile: profileName, fields: uploadFields }),
  maasCancelUpload: z.strictObject({ uploadId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
  maasUploads: empty,
  listBaseImages: z.strictObject({
    stream: imageStream,
    arch: z
      .string()
      .regex(/^[a-z0-9_]{1,32}$/, 'is not an architecture')
      .optional(),
    release: z.string().min(1).max(64).refine(noNul, 'must not contain a NUL character').optional(),
    allVersions: z.boolean().optional(),
  }),
  fetchBaseImage: z.strictObject({
    stream: imageStream,
    product: z.string().min(1).max(200).refine(noNul, 'must not contain a NUL character'),
    serial: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'is not a serial'),
  }),
  cancelBaseImageFetch: z.strictObject({ fetchId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
  inspectImage: z.strictObject({
    path: absolutePath,
    files: z.boolean().optional(),
    partition: z.number().int().min(1).max(256).optional(),
    under: absolutePath.optional(),
    depth: z.number().int().min(0).max(256).optional(),
    maxEntries: z.number().int().min(1).max(100_000).optional(),
    isoNames: z.enum(['iso', 'rock-ridge', 'joliet']).optional(),
  }),
} satisfies { [M in ApiMethod]: z.ZodType<ApiInputs[M]> };
