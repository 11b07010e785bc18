/** Small constructors for field schemas, so component files read like Packer's docs. */
import { isUnknown, type Unknown } from '../config';
import type { FieldMap, FieldSchema, FieldType } from './types';

/** True when a draft value is known (not UNKNOWN), narrowing its type. */
export function known<T>(value: T | Unknown): value is T {
  return !isUnknown(value);
}

type Options = Omit<FieldSchema, 'type' | 'doc'>;

const field =
  (type: FieldType) =>
  (doc: string, options: Options = {}): FieldSchema => ({ type, doc, ...options });

export const STRING: FieldType = { kind: 'string' };
export const BOOL: FieldType = { kind: 'bool' };
export const INT: FieldType = { kind: 'int' };
export const DURATION: FieldType = { kind: 'duration' };
export const STRING_LIST: FieldType = { kind: 'list', of: STRING };
export const STRING_LIST_LIST: FieldType = { kind: 'list', of: STRING_LIST };
export const INT_LIST: FieldType = { kind: 'list', of: INT };
export const STRING_MAP: FieldType = { kind: 'map', of: STRING };

export const str = field(STRING);
export const bool = field(BOOL);
export const int = field(INT);
export const float = field({ kind: 'float' });
export const duration = field(DURATION);
export const stringList = field(STRING_LIST);
export const stringListList = field(STRING_LIST_LIST);
export const intList = field(INT_LIST);
export const stringMap = field(STRING_MAP);

/** A nested block (HCL `name { … }`, JSON object). */
export function block(fields: FieldMap, doc: string, options: Options = {}): FieldSchema {
  return { type: { kind: 'object', fields, hcl: 'block' }, doc, ...options };
}

/** The HCL type name of a field type, as hcldec and cty print it (`list of string`). */
export function friendlyTypeName(type: FieldType): string {
  switch (type.kind) {
    case 'string':
    case 'duration':
      return 'string';
    case 'bool':
      return 'bool';
    case 'int':
    case 'float':
      return 'number';
    case 'list':
      return `list of ${friendlyTypeName(type.of)}`;
    case 'map':
      return `map of ${friendlyTypeName(type.of)}`;
    case 'object':
      return 'object';
    case 'blocks':
      return 'list of object';
  }
}

/** A short name of the type for docs and hover: `string`, `duration`, `list(string)`, `block`. */
export function typeLabel(type: FieldType): string {
  switch (type.kind) {
    case 'list':
      return `list(${typeLabel(type.of)})`;
    case 'map':
      return `map(${typeLabel(type.of)})`;
    case 'object':
      return type.hcl === 'block' ? 'block' : 'object';
    case 'blocks':
      return 'blocks';
    default:
      return type.kind;
  }
}
