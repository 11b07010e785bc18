/**
 * Syntax highlighting for HCL2 (`*.pkr.hcl`, `*.pkrvars.hcl`) as a Monarch grammar: block types and their
 * labels, attribute names, strings with `${ }` interpolations and `%{ }` directives (and their `$${`/`%%{`
 * escapes), heredocs (`<<EOF`, `<<-EOF`) ending at their own marker, comments of all three kinds, numbers,
 * operators, function calls and the language's keywords.
 */
import type { languages } from 'monaco-editor/editor/editor.api.js';

export const HCL_LANGUAGE_ID = 'hcl2';

const ident = /[A-Za-z_][A-Za-z0-9_-]*/;

export const hclLanguageConfiguration: languages.LanguageConfiguration = {
  comments: { lineComment: '#', blockComment: ['/*', '*/'] },
  brackets: [
    ['{', '}'],
    ['[', ']'],
    ['(', ')'],
  ],
  autoClosingPairs: [
    { open: '{', close: '}' },
    { open: '[', close: ']' },
    { open: '(', close: ')' },
    { open: '"', close: '"', notIn: ['string', 'comment'] },
  ],
  surroundingPairs: [
    { open: '{', close: '}' },
    { open: '[', close: ']' },
    { open: '(', close: ')' },
    { open: '"', close: '"' },
  ],
  wordPattern: /[A-Za-z_][A-Za-z0-9_-]*/,
  indentationRules: {
    increaseIndentPattern: /^.*(\{|\[|\()\s*(#.*|\/\/.*)?$/,
    decreaseIndentPattern: /^\s*[}\])]/,
  },
};

/** Expression tokens, shared by the top level and by interpolations inside strings and heredocs. */
const expressionRules: languages.IMonarchLanguageRule[] = [
  [/#.*$/, 'comment'],
  [/\/\/.*$/, 'comment'],
  [/\/\*/, 'comment', '@blockComment'],
  [/(<<-?)\s*([A-Za-z_][A-Za-z0-9_-]*)\s*$/, { token: 'string.heredoc.delimiter', next: '@heredoc.$2' }],
  [/"/, 'string.quote', '@string'],
  [/\d+(\.\d+)?([eE][+-]?\d+)?/, 'number'],
  [/(var|local|source|data|path|build|packer|each|self|count)(\.)/, ['variable.predefined', 'delimiter']],
  [new RegExp(`${ident.source}(?=\\s*\\()`), 'function'],
  [
    ident,
    {
      cases: {
        '@keywords': 'keyword.constant',
        '@typeKeywords': 'type',
        '@default': 'identifier',
      },
    },
  ],
  [/[{}]/, '@brackets'],
  [/[[\]()]/, '@brackets'],
  [/==|!=|<=|>=|&&|\|\||=>|\.\.\.|[!<>+\-*/%?:]/, 'operator'],
  [/=/, 'operator.assign'],
  [/[.,]/, 'delimiter'],
  [/\s+/, 'white'],
];

export const hclMonarch: languages.IMonarchLanguage = {
  defaultToken: 'invalid',
  tokenPostfix: '.hcl',
  keywords: ['true', 'false', 'null', 'for', 'in', 'if', 'else', 'endif', 'endfor'],
  typeKeywords: ['string', 'number', 'bool', 'list', 'map', 'set', 'object', 'tuple', 'any'],
  brackets: [
    { open: '{', close: '}', token: 'delimiter.curly' },
    { open: '[', close: ']', token: 'delimiter.square' },
    { open: '(', close: ')', token: 'delimiter.parenthesis' },
  ],
  tokenizer: {
    root: [
      // A block header: `type "label" label {`; the type is a keyword, labels are strings or names.
      [
        new RegExp(`^(\\s*)(${ident.source})(?=(?:\\s+(?:"[^"]*"|${ident.source}))*\\s*\\{)`),
        ['white', { token: 'keyword.block', next: '@blockHeader' }],
      ],
      // An attribute or object key: `name =` (but not `==`).
      [new RegExp(`(${ident.source})(\\s*)(=)(?!=)`), ['attribute.name', 'white', 'operator.assign']],
      // An object key written as a string: `"key" =` or `"key":`.
      [/("[^"\\]*")(\s*)(=(?!=)|:)/, ['attribute.name.string', 'white', 'operator.assign']],
      ...expressionRules,
    ],
    blockHeader: [
      [/\s+/, 'white'],
      [/"[^"]*"/, 'type.label'],
      [ident, 'type.label'],
      [/\{/, { token: '@brackets', next: '@pop' }],
      [/./, { token: '@rematch', next: '@pop' }],
    ],
    blockComment: [
      [/[^/*]+/, 'comment'],
      [/\*\//, 'comment', '@pop'],
      [/[/*]/, 'comment'],
    ],
    string: [
      [/\$\$\{|%%\{/, 'string.escape'],
      [/\$\{~?/, { token: 'delimiter.interpolation', next: '@interpolation' }],
      [/%\{~?/, { token: 'delimiter.directive', next: '@directive' }],
      [/\\([nrt"\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})/, 'string.escape'],
      [/\\./, 'string.escape.invalid'],
      [/[^"\\$%]+/, 'string'],
      [/[$%]/, 'string'],
      [/"/, 'string.quote', '@pop'],
    ],
    heredoc: [
      [
        /^(\s*)([A-Za-z_][A-Za-z0-9_-]*)(\s*)$/,
        {
          cases: {
            '$2==$S2': ['white', { token: 'string.heredoc.delimiter', next: '@pop' }, 'white'],
            '@default': ['string.heredoc', 'string.heredoc', 'string.heredoc'],
          },
        },
      ],
      [/\$\$\{|%%\{/, 'string.escape'],
      [/\$\{~?/, { token: 'delimiter.interpolation', next: '@interpolation' }],
      [/%\{~?/, { token: 'delimiter.directive', next: '@directive' }],
      [/[^$%]+/, 'string.heredoc'],
      [/[$%]/, 'string.heredoc'],
    ],
    interpolation: [
      [/~?\}/, { token: 'delimiter.interpolation', next: '@pop' }],
      [/\{/, { token: 'delimiter.curly', next: '@nestedBraces' }],
      ...expressionRules.filter((r) => !(Array.isArray(r) && String(r[0]) === String(/[{}]/))),
    ],
    directive: [
      [/~?\}/, { token: 'delimiter.directive', next: '@pop' }],
      [/\b(if|else|endif|for|in|endfor)\b/, 'keyword.control'],
      ...expressionRules.filter((r) => !(Array.isArray(r) && String(r[0]) === String(/[{}]/))),
    ],
    nestedBraces: [
      [/\}/, { token: 'delimiter.curly', next: '@pop' }],
      [/\{/, { token: 'delimiter.curly', next: '@push' }],
      ...expressionRules.filter((r) => !(Array.isArray(r) && String(r[0]) === String(/[{}]/))),
    ],
  },
};
