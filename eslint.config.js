// Lint rules, including the layering between zones (see README "Design notes").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs',
  'fs/promises',
  'path',
  'os',
  'child_process',
  'net',
  'http',
  'https',
  'crypto',
  'stream',
  'url',
  'zlib',
  'events',
  'util',
  'readline',
  'tty',
  'worker_threads',
  'dns',
  'buffer',
  'process',
];
const nodeImportBan = {
  patterns: [
    { group: ['node:*'], message: 'template/ is isomorphic: pass file access in, do not import Node.' },
  ],
  paths: nodeBuiltins.map((name) => ({ name, message: 'template/ is isomorphic: no Node imports.' })),
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'e2e/output/', 'e2e/test-results/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        globalThis: 'readonly',
        window: 'readonly',
        document: 'readonly',
        self: 'readonly',
        navigator: 'readonly',
        fetch: 'readonly',
        WebSocket: 'readonly',
        Worker: 'readonly',
        structuredClone: 'readonly',
        crypto: 'readonly',
        requestAnimationFrame: 'readonly',
        localStorage: 'readonly',
        HTMLElement: 'readonly',
        Event: 'readonly',
        KeyboardEvent: 'readonly',
        MouseEvent: 'readonly',
        Blob: 'readonly',
        location: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['electron/engine/template/**/*.ts'],
    ignores: ['electron/engine/template/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', nodeImportBan] },
  },
  {
    files: ['electron/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'react', 'react-dom', '**/renderer/**', '**/cli/**', '**/host/**'],
              message: 'engine/ has no Electron, React, CLI or host code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/engine/template/**/*.ts'],
    ignores: ['electron/engine/template/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...nodeImportBan,
          patterns: [
            ...nodeImportBan.patterns,
            {
              group: [
                '**/build/**',
                '**/builders/**',
                '**/vm/**',
                '**/comm/**',
                '**/provisioners/**',
                '**/postprocessors/**',
                '**/maas/**',
              ],
              message: 'template/ sits below the rest of the engine.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    // The Vite config is build tooling that runs in Node, not renderer code.
    ignores: ['renderer/vite.config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          // The Electron package by name: as a gitignore-style pattern, `electron` would also match the
          // repository's own electron/ folder and forbid electron/api/.
          paths: [
            { name: 'electron', message: 'renderer/ talks to Electron only through the preload bridge.' },
          ],
          patterns: [
            {
              group: [
                // Every engine folder but template/ (a negated `**` pattern cannot re-include files under
                // an excluded folder, so exclude the folder's children and re-include template/).
                '**/electron/engine/*',
                '!**/electron/engine/template',
                '**/electron/host/**',
                '**/electron/cli/**',
                'node:*',
              ],
              message:
                'renderer/ talks only through the Api (types from electron/api/), except the isomorphic template module in its worker.',
            },
          ],
        },
      ],
    },
  },
);
