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
} satisfies { [M in ApiMethod]: z.ZodType<ApiInputs[M]> };
