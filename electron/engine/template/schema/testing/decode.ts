/** Test support: decode a component from a plain object in either dialect and read the results. */
import type { ConfigObject } from '../../config';
import { memoryHost, type MemoryHostOptions } from '../../host';
import type { ComponentKind } from '../../model';
import type { Diagnostic } from '../../source';
import { decodeComponent, type DecodeOptions, type DecodeResult } from '../index';
import type { ConfigFor } from '../registry';
import { locateJson, locateObject } from './locate';

export interface TestDecodeOptions extends Partial<DecodeOptions> {
  files?: MemoryHostOptions['files'];
  /** HCL only: paths written as blocks. */
  blocks?: string[];
}

export function decode<K extends ComponentKind, T extends string>(
  kind: K,
  type: T,
  config: ConfigObject,
  options: TestDecodeOptions = {},
): DecodeResult<ConfigFor<K, T>> {
  const dialect = options.dialect ?? 'json';
  const located =
    dialect === 'json' ? locateJson(JSON.stringify(config, null, 2)) : locateObject(config, options.blocks);
  return decodeComponent(kind, type, located, {
    dialect,
    buildName: options.buildName ?? type,
    host: options.host ?? memoryHost({ files: options.files ?? {}, cwd: '/work' }),
    random: options.random ?? (() => 0.5),
    ...options,
  });
}

export const errors = (result: { diagnostics: Diagnostic[] }): string[] =>
  result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.detail);

export const warnings = (result: { diagnostics: Diagnostic[] }): string[] =>
  result.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.detail);
