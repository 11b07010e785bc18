/**
 * Connects the UI to the Api: through Electron's preload bridge when it is there, else over the web host's
 * WebSocket with the token from the page's URL (kept in sessionStorage, and taken out of the address bar so
 * it is not left in history or screenshots).
 */
import { bridgeApi, socketApi } from '../electron/api/client';
import type { KilnApi, KilnBridge } from '../electron/api/types';

declare global {
  interface Window {
    kiln?: KilnBridge;
  }
}

const TOKEN_KEY = 'kiln.token';

export async function connectApi(): Promise<KilnApi> {
  if (window.kiln) return bridgeApi(window.kiln);
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY);
  if (!token)
    throw new Error(
      'This page needs the access token Kiln printed when it started (the ?token=… part of its URL).',
    );
  return socketApi(location.origin, token);
}

/** Which console a detached window shows. */
export interface DetachedConsoleParams {
  runId: string;
  build: string;
  tab: 'serial' | 'shell' | 'screen';
}

const DETACHED = '#console?';

/**
 * The address of a detached console window: Kiln's own page with the console in its fragment. In the
 * browser the window needs the access token too (the same one: it is the same Kiln).
 */
export function detachedConsoleUrl(params: DetachedConsoleParams): string {
  const query = new URLSearchParams({ run: params.runId, build: params.build, tab: params.tab });
  if (window.kiln) return `${location.origin}/index.html${DETACHED}${query}`;
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  return `${location.origin}/?token=${encodeURIComponent(token)}${DETACHED}${query}`;
}

/** The detached console this window shows, if it is one. */
export function detachedConsoleParams(): DetachedConsoleParams | undefined {
  if (!location.hash.startsWith(DETACHED)) return undefined;
  const query = new URLSearchParams(location.hash.slice(DETACHED.length));
  const runId = query.get('run');
  const build = query.get('build');
  const tab = query.get('tab');
  if (!runId || !build || (tab !== 'serial' && tab !== 'shell' && tab !== 'screen')) return undefined;
  return { runId, build, tab };
}
