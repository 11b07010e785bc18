/// <reference types="vite/client" />

// Monaco's editor features are imported for their side effects; they ship no type declarations.
declare module 'monaco-editor/editor/contrib/*';
declare module 'monaco-editor/editor/standalone/*';
declare module 'monaco-editor/editor/browser/*';
declare module 'monaco-editor/base/*';
