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
