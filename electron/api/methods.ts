/**
 * The verbs of the Api, as a runtime list. The preload script builds its bridge from this list alone, and
 * the transports refuse any name not in it. Kept free of imports so the sandboxed preload stays tiny.
 */
import type { ApiMethod } from './types';

export const API_METHODS = [
  'appInfo',
  'listDirectory',
  'statPaths',
  'pickPath',
  'openWorkspace',
  'closeWorkspace',
  'readFile',
  'saveFile',
  'recentWorkspaces',
  'forgetRecent',
  'listGallery',
  'createFromGallery',
  'startBuild',
  'controlBuild',
  'cancelBuild',
  'listBuilds',
  'getBuild',
  'deleteBuild',
  'setBreakpoints',
  'setTrust',
  'checkTrust',
  'openStream',
  'vmScreenshot',
  'maasProfiles',
  'maasSaveProfile',
  'maasRemoveProfile',
  'maasTestConnection',
  'maasListImages',
  'maasDeleteImage',
  'maasPlanUpload',
  'maasUpload',
  'maasCancelUpload',
  'maasUploads',
  'listBaseImages',
  'fetchBaseImage',
  'cancelBaseImageFetch',
  'inspectImage',
] as const satisfies readonly ApiMethod[];

// Every ApiMethod must be listed: this line fails to compile when one is missing.
const _everyMethodListed: Record<ApiMethod, true> = Object.fromEntries(API_METHODS.map((m) => [m, true])) as {
  [M in (typeof API_METHODS)[number]]: true;
};
void _everyMethodListed;

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && (API_METHODS as readonly string[]).includes(name);
}

/** The IPC channel of a verb (Electron), prefixed so the main process can refuse anything else. */
export const ipcChannel = (method: ApiMethod): string => `kiln:${method}`;
/** The one IPC channel events flow on, main → renderer. */
export const IPC_EVENT_CHANNEL = 'kiln:event';
