/**
 * Builds the renderer into dist/renderer: React, Monaco and the template module's web worker, all bundled
 * locally (no CDN). Relative asset paths so the same build loads from `app://kiln/` in Electron and from the
 * web host's loopback origin. Monaco's editor worker and Kiln's language worker are separate module files,
 * which the CSP admits as `worker-src 'self'` with no blob: URLs.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  worker: { format: 'es' },
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
