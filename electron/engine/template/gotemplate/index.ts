/**
 * Packer's `{{ }}` template engine: Go's text/template (lexer, parser, executor, builtins) plus
 * Packer's functions. Entry points: `render(text, ctx)` and `renderOnce`, which throw
 * `InterpolationError` carrying Go's/Packer's message; `parsePackerTemplate`/`parseGoTemplate` for
 * tools that inspect templates (hcl2_upgrade).
 */
export {
  type InterpolationContext,
  InterpolationError,
  BUILD_DATA_COMMON_KEYS,
  BUILD_PLACEHOLDER_MESSAGE,
  absDir,
  executeTemplate,
  goReplace,
  hasTemplate,
  maskSensitive,
  packerFuncs,
  parsePackerTemplate,
  placeholderBuildData,
  render,
  renderOnce,
} from './interpolate';
export {
  BUILTINS,
  Executor,
  type FuncMap,
  type GoFunction,
  GoTemplateExecError,
  type ParamType,
} from './exec';
export { GoTemplateParseError, nodeString, parseGoTemplate, unquote } from './parser';
export type { ArgNode, ListNode, Node, ParsedTemplate, PipeNode, CommandNode } from './parser';
export { goQuote } from '../hcl/gostrings';
export { GoFloat, GoStruct, type GoValue, formatValue, toGoValue } from './values';
export { RFC3339, formatGoTime, strftime } from './timefmt';
