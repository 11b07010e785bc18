/** The HCL native syntax: scanning, parsing to `ast.ts`, and `packer fmt` formatting. */
export { parseHclFile, parseHclExpression, parseHclTemplate, parseHclTokens } from './parser';
export type { HclFileParse, HclExpressionParse } from './parser';
export { lexHcl, decodeHclBytes, encodeHclText } from './lexer';
export { formatHcl } from './fmt';
export type { HclFormatResult } from './fmt';
