/**
 * Kiln's Electron main process: one window showing the renderer from the privileged `app://kiln` scheme,
 * the Api over validated IPC, a menu with recent workspaces. Hardened per Electron's security checklist:
 * context isolation and the sandbox on, Node integration off, a strict CSP on every response, no remote
 * content, navigation and new windows refused, every permission request denied.
 */
import {
  app,
  BrowserWindow,
  dialog,
  Menu,
  protocol,
  session,
  type MenuItemConstructorOptions,
} from 'electron';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ApiEvent, MenuCommand, RecentWorkspace } from './api/types';
import { contentSecurityPolicy } from './host/csp';
import { appRoot } from './host/paths';
import { createKilnService } from './host/service/service';
import { mimeType, staticPath } from './host/static';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, registerApiIpc } from './ipc';
import { KeychainProfileStore, keychainStorage } from './keychain-profiles';

protocol.registerSchemesAsPrivileged([
  // standard + secure: a real origin for the page and its workers; no CORS or fetch beyond our own files.
  // codeCache: V8 keeps what it compiled of Kiln's scripts (Monaco above all) for the next start.
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
  },
]);

const root = app.isPackaged ? app.getAppPath() : appRoot(__dirname);
const rendererRoot = join(root, 'dist/renderer');
const galleryRoot = app.isPackaged ? join(process.resourcesPath, 'templates') : join(root, 'templates');

let mainWindow: BrowserWindow | undefined;

function sendMenu(command: MenuCommand, path?: string): void {
  const event: ApiEvent = path
    ? { topic: 'app', type: 'menu', command, path }
    : { topic: 'app', type: 'menu', command };
  ipc.broadcast(event);
}

const configDir = process.env.KILN_CONFIG_DIR ?? app.getPath('userData');
const service = createKilnService({
  platform: 'electron',
  configDir,
  dataDir: process.env.KILN_DATA_DIR ?? join(app.getPath('userData'), 'data'),
  galleryDir: galleryRoot,
  maasProfiles: {
    store: new KeychainProfileStore(configDir),
    // safeStorage answers only once the app is ready; the service asks when the settings open.
    get storage() {
      return keychainStorage();
    },
  },
  emit: (event) => ipc.broadcast(event),
  onRecentChanged: (recent) => {
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(recent)));
    for (const r of recent.slice(0, 1)) app.addRecentDocument(r.path);
  },
  async pickPath({ kind, title, defaultPath }) {
    const options: Electron.OpenDialogOptions = {
      title: title ?? (kind === 'file' ? 'Open a template' : 'Choose a folder'),
      properties: kind === 'file' ? ['openFile'] : ['openDirectory', 'createDirectory'],
      ...(defaultPath ? { defaultPath } : {}),
      ...(kind === 'file'
        ? {
            filters: [
              { name: 'Packer templates', extensions: ['hcl', 'json'] },
              { name: 'All files', extensions: ['*'] },
            ],
          }
        : {}),
    };
    const result = mainWindow
      ? await dialog.showOpenDialog(mainWindow, options)
      : await dialog.showOpenDialog(options);
    return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
  },
});

const ipc = registerApiIpc(
  service,
  () => BrowserWindow.getAllWindows().map((w) => w.webContents),
  service.streams,
);

async function refreshMenu(): Promise<void> {
  const recent = await service.recentWorkspaces({}).catch(() => [] as RecentWorkspace[]);
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(recent)));
}

function menuTemplate(recent: RecentWorkspace[]): MenuItemConstructorOptions[] {
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => sendMenu(command),
  });
  return [
    {
      label: '&File',
      submenu: [
        item('Open File…', 'open-file', 'CmdOrCtrl+O'),
        item('Open Folder…', 'open-folder', 'CmdOrCtrl+Shift+O'),
        {
          label: 'Open Recent',
          submenu: recent.length
            ? recent.map((r) => ({ label: r.path, click: () => sendMenu('open-path', r.path) }))
            : [{ label: 'No recent templates', enabled: false }],
        },
        { type: 'separator' },
        item('Save', 'save', 'CmdOrCtrl+S'),
        item('Save All', 'save-all', 'CmdOrCtrl+Alt+S'),
        item('Close Template', 'close-workspace', 'CmdOrCtrl+Shift+W'),
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        item('Format Document', 'format', 'Shift+Alt+F'),
        item('Pipeline View', 'toggle-pipeline', 'CmdOrCtrl+Shift+P'),
        item('Problems', 'toggle-problems', 'CmdOrCtrl+Shift+M'),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions]),
      ],
    },
  ];
}

/** Serves the built renderer on app://kiln/, with the CSP on every response. */
function serveRenderer(): void {
  const csp = contentSecurityPolicy();
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST ? staticPath(rendererRoot, url.pathname) : undefined;
    const body = file ? await fs.readFile(file).catch(() => undefined) : undefined;
    if (!file || !body) return new Response('not found', { status: 404 });
    return new Response(body, {
      headers: {
        'content-type': mimeType(file),
        'content-security-policy': csp,
        'x-content-type-options': 'nosniff',
      },
    });
  });
}

/** Every Kiln window, the main one and detached consoles alike, runs with these settings. */
const webPreferences: Electron.WebPreferences = {
  preload: join(__dirname, 'preload.cjs'),
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
  navigateOnDragDrop: false,
  // Cache compiled code from the first run on (Chromium's default waits for a script's second load).
  v8CacheOptions: 'bypassHeatCheck',
};

/** A detached console: Kiln's own page, showing one build's console, shell or screen. */
const DETACHED_CONSOLE = `${APP_ORIGIN}/index.html#console?`;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    title: 'Kiln',
    show: false,
    backgroundColor: '#1e1e1e',
    webPreferences,
  });
  ipc.trust(win.webContents);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

/** No remote content: refuse navigation away from the app, new windows and webviews in every web contents. */
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // New windows: only a detached console of Kiln's own page, opened by one of Kiln's windows.
  contents.setWindowOpenHandler(({ url }) =>
    url.startsWith(DETACHED_CONSOLE) &&
    !contents.isDestroyed() &&
    contents.getURL().startsWith(`${APP_ORIGIN}/`)
      ? {
          action: 'allow',
          overrideBrowserWindowOptions: {
            width: 900,
            height: 600,
            title: 'Kiln console',
            backgroundColor: '#1e1e1e',
            webPreferences,
          },
        }
      : { action: 'deny' },
  );
  contents.on('did-create-window', (win, { url }) => {
    if (url.startsWith(DETACHED_CONSOLE)) ipc.trust(win.webContents);
    else win.destroy();
  });
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  app.whenReady().then(async () => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    serveRenderer();
    await refreshMenu();
    mainWindow = createWindow();
    mainWindow.on('closed', () => (mainWindow = undefined));
  });

  app.on('window-all-closed', () => app.quit());
  // Quitting waits for running builds to cancel and clean up (VMs stopped, temporary files removed).
  let disposed = false;
  app.on('before-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    disposed = true;
    void service.dispose().finally(() => {
      ipc.dispose();
      app.quit();
    });
  });
}
