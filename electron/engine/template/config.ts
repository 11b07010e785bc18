/**
 * A component's configuration once the template language is done with it: plain JSON-like values,
 * whichever format the template was written in. Values that cannot be known before the build runs
 * (HCL's `build.Host` at validate time, say) are the UNKNOWN marker, which checks must let pass.
 */
import type { Range } from './source';

export const UNKNOWN: unique symbol = Symbol.for('kiln.unknown');
export type Unknown = typeof UNKNOWN;

export type ConfigScalar = string | number | boolean | null;
export type ConfigValue = ConfigScalar | Unknown | ConfigValue[] | ConfigObject;
export interface ConfigObject {
  [key: string]: ConfigValue;
}

export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN;
}

export function isConfigObject(value: ConfigValue | undefined): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where each key of a configuration was written, so checks can point at the key or its value.
 * Paths are dotted keys with list indexes: `qemuargs.2.1`, `http_content./user-data`.
 */
export interface ConfigRanges {
  /** The whole block or object. */
  block: Range;
  /** Range of the key (attribute name) for each path. */
  keys: Record<string, Range>;
  /** Range of the value for each path. */
  values: Record<string, Range>;
  /**
   * HCL2 only: the paths written as nested blocks (`qemu_img_args { … }`) rather than as attributes, so
   * the component schema can tell `x { }` from `x = { }` as hcldec does. Absent: no such information.
   */
  blocks?: Record<string, true>;
  /**
   * HCL2 only: the paths of `dynamic` blocks that expanded to no block (empty `for_each`), so the
   * component schema still checks that such a block type exists, as Packer does. Absent: none.
   */
  emptyBlocks?: Record<string, true>;
}

/** A configuration together with where its parts were written. */
export interface LocatedConfig {
  config: ConfigObject;
  ranges: ConfigRanges;
}
