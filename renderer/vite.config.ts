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

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  worker: { format: 'es' },
  plugins: [preloadEditorChunks()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Monaco is one large chunk by nature; splitting it further buys nothing for a local app.
    chunkSizeWarningLimit: 6000,
    reportCompressedSize: false,
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
