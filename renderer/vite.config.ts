/**
 * Builds the renderer into dist/renderer: React, Monaco and the template module's web worker, all bundled
 * locally (no CDN). Relative asset paths so the same build loads from `app://kiln/` in Electron and from the
 * web host's loopback origin. Monaco's editor worker and Kiln's language worker are separate module files,
 * which the CSP admits as `worker-src 'self'` with no blob: URLs.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The parts of a Rolldown output chunk this plugin reads (Vite's own types vary across its versions). */
interface ChunkInfo {
  type: 'chunk';
  fileName: string;
  imports: string[];
  dynamicImports: string[];
  viteMetadata?: { importedCss: Set<string> };
}

/**
 * The entry starts the editor's modules (Monaco, the app shell, the session) with dynamic imports, so that
 * a detached console window does not load them. Without help the browser learns of those chunks only once
 * the entry has run; `<link rel="modulepreload">` for them (and a preload of their CSS) in index.html
 * starts their download and compilation with the entry's instead, for the main window's start-up.
 */
function preloadEditorChunks(): Plugin {
  return {
    name: 'kiln-preload-editor-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle;
        const entry = ctx.chunk as unknown as ChunkInfo | undefined;
        if (!bundle || !entry) return html;
        const files = new Set<string>();
        const css = new Set<string>();
        const visit = (fileName: string) => {
          const chunk = bundle[fileName] as unknown as ChunkInfo | undefined;
          if (!chunk || chunk.type !== 'chunk' || files.has(fileName) || fileName === entry.fileName) return;
          // Vite preloads the entry's own static imports already.
          if (entry.imports.includes(fileName)) return;
          files.add(fileName);
          for (const file of chunk.viteMetadata?.importedCss ?? []) css.add(file);
          for (const dep of chunk.imports) visit(dep);
        };
        // Only the dynamic imports main.tsx itself makes at start: lazy views (build view, consoles)
        // stay lazy.
        for (const fileName of entry.dynamicImports) {
          const chunk = bundle[fileName] as unknown as ChunkInfo | undefined;
          if (chunk && !/DetachedConsole/.test(fileName)) visit(fileName);
        }
        return [
          ...[...files].map((file) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: true, href: `./${file}` },
            injectTo: 'head' as const,
          })),
          ...[...css].map((file) => ({
            tag: 'link',
            attrs: { rel: 'preload', as: 'style', crossorigin: true, href: `./${file}` },
            injectTo: 'head' as const,
          })),
        ];
      },
    },
  };
}

/**
 * Monaco modules that `editor.api` and the features Kiln uses import, but that never run in Kiln, each
 * replaced by a stub with the same exports: the diff editors (standalone `createDiffEditor`), tree-sitter
 * tokenization (used only for languages with a tree-sitter grammar; Kiln's are Monarch), the WebGPU
 * renderer (`experimentalGpuAcceleration`, off), the colour-picker and inlay-hint hover parts (Kiln
 * registers neither provider, and the hover only tests `instanceof` against them) and the observable
 * debugger (a VS Code dev setting). About 0.5 MB of source that every first start would parse and compile.
 * A stub that is constructed throws, naming what is missing; a Monaco upgrade that moves one of these
 * files fails the build (see `buildEnd`) instead of silently shipping it again.
 */
const MONACO_STUBS: Record<string, string> = {
  'editor/browser/widget/diffEditor/diffEditorWidget.js':
    'export class DiffEditorWidget { constructor() { missing("the diff editor"); } }\n' +
    'export function toLineChanges() { missing("the diff editor"); }',
  'editor/browser/widget/multiDiffEditor/multiDiffEditorWidget.js':
    'export class MultiDiffEditorWidget { constructor() { missing("the multi-file diff editor"); } }',
  'editor/common/model/tokens/treeSitter/treeSitterSyntaxTokenBackend.js':
    'export class TreeSitterSyntaxTokenBackend { constructor() { missing("tree-sitter tokenization"); } }',
  'editor/browser/gpu/viewGpuContext.js':
    'export class ViewGpuContext { constructor() { missing("GPU rendering"); } }',
  'editor/browser/viewParts/viewLinesGpu/viewLinesGpu.js':
    'export class ViewLinesGpu { constructor() { missing("GPU rendering"); } }',
  'editor/contrib/inlayHints/browser/inlayHintsHover.js': 'export class InlayHintsHover {}',
  'editor/contrib/colorPicker/browser/hoverColorPicker/hoverColorPickerParticipant.js':
    'export class ColorHover {}\nexport class HoverColorPickerParticipant {}',
  'base/common/observableInternal/logging/debugger/devToolsLogger.js':
    'export class DevToolsLogger { static getInstance() { missing("the observable debugger"); } }',
};

function trimMonaco(): Plugin {
  const prefix = '/node_modules/monaco-editor/esm/vs/';
  const stubbed = new Set<string>();
  return {
    name: 'kiln-trim-monaco',
    enforce: 'pre',
    load(id) {
      const at = id.indexOf(prefix);
      if (at < 0) return null;
      const path = id.slice(at + prefix.length).split('?')[0];
      const stub = MONACO_STUBS[path];
      if (stub === undefined) return null;
      stubbed.add(path);
      return (
        `function missing(what) { throw new Error(what + " is not part of Kiln's Monaco build (renderer/vite.config.ts)"); }\n` +
        stub
      );
    },
    buildEnd(error) {
      if (error) return;
      const unused = Object.keys(MONACO_STUBS).filter((path) => !stubbed.has(path));
      // The editor worker's build is a separate pass that imports none of these.
      if (unused.length > 0 && unused.length < Object.keys(MONACO_STUBS).length) {
        this.error(`Monaco no longer has these files; update MONACO_STUBS: ${unused.join(', ')}`);
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  worker: { format: 'es' },
  plugins: [trimMonaco(), preloadEditorChunks()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Monaco is one large chunk by nature; splitting it further buys nothing for a local app.
    chunkSizeWarningLimit: 6000,
    reportCompressedSize: false,
    rolldownOptions: {
      checks: { pluginTimings: false },
      output: {
        // Monaco in three chunks along its own layers (base and platform, then the editor's model, then
        // its view and features, each importing only the ones before): V8 parses each downloaded script on
        // its own background thread, so three parse side by side where one took ~0.3 s alone.
        codeSplitting: {
          groups: [
            // Vite's preload helper, which Monaco's own dynamic imports use too: its own tiny chunk, so the
            // entry does not import a Monaco chunk to get it.
            { name: 'preload-helper', test: /vite[\\/]preload-helper/, priority: 4 },
            {
              name: 'monaco-base',
              test: /monaco-editor[\\/]esm[\\/]vs[\\/](base|platform)[\\/]/,
              priority: 3,
            },
            {
              name: 'monaco-model',
              test: /monaco-editor[\\/]esm[\\/]vs[\\/]editor[\\/]common[\\/]/,
              priority: 2,
            },
            { name: 'monaco-view', test: /monaco-editor[\\/]/, priority: 1 },
          ],
        },
      },
    },
  },
});
