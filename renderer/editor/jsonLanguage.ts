/**
 * Highlighting for Packer JSON templates as a Monarch grammar (Kiln does not load Monaco's JSON service:
 * the template module checks JSON templates itself, with Packer's verdicts). Keys, strings with `{{ }}`
 * Go-template actions inside, numbers, literals, and the `//` comments Packer tolerates nowhere but editors show.
 */
import type { languages } from 'monaco-editor/editor/editor.api.js';

export const JSON_LANGUAGE_ID = 'packer-json';

export const jsonLanguageConfiguration: languages.LanguageConfiguration = {
  brackets: [
    ['{', '}'],
    ['[', ']'],
  ],
  autoClosingPairs: [
    { open: '{', close: '}' },
    { open: '[', close: ']' },
    { open: '"', close: '"', notIn: ['string'] },
  ],
  wordPattern: /[A-Za-z_][A-Za-z0-9_-]*/,
};

export const jsonMonarch: languages.IMonarchLanguage = {
  defaultToken: 'invalid',
  tokenPostfix: '.json',
  tokenizer: {
    root: [
      [/\s+/, 'white'],
      [/("(?:[^"\\]|\\.)*")(\s*)(:)/, ['attribute.name', 'white', 'delimiter']],
      [/"/, 'string.quote', '@string'],
      [/-?\d+(\.\d+)?([eE][+-]?\d+)?/, 'number'],
      [/\b(true|false|null)\b/, 'keyword.constant'],
      [/[{}[\]]/, '@brackets'],
      [/[,:]/, 'delimiter'],
      [/\/\/.*$/, 'comment'],
    ],
    string: [
      [/\{\{/, { token: 'delimiter.template', next: '@action' }],
      [/\\(["\\/bfnrt]|u[0-9A-Fa-f]{4})/, 'string.escape'],
      [/\\./, 'string.escape.invalid'],
      [/[^"\\{]+/, 'string'],
      [/\{/, 'string'],
      [/"/, 'string.quote', '@pop'],
    ],
    action: [
      [/\}\}/, { token: 'delimiter.template', next: '@pop' }],
      [/`[^`]*`/, 'string.raw'],
      [/\\"/, 'string.raw'],
      [/\.[A-Za-z_]\w*/, 'variable'],
      [/[A-Za-z_]\w*/, 'function'],
      [/\|/, 'operator'],
      [/"/, { token: '@rematch', next: '@pop' }],
      [/[^}`"\\.|A-Za-z_]+/, 'white'],
      [/./, 'white'],
    ],
  },
};
