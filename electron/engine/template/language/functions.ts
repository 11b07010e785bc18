/**
 * The functions HCL2 templates can call, for completion and hover: their signatures come from the
 * function table the evaluator uses (so they cannot drift from what runs), their one-line docs from here.
 */
import { DEFAULT_FUNCTION_NOTES, packerFunctions } from '../hcl/functions/index';
import { typeString } from '../hcl/types';
import type { FunctionInfo } from './types';

const DOCS: Record<string, string> = {
  abs: 'The absolute value of a number.',
  abspath: 'The absolute form of a path, relative to the working directory.',
  alltrue: 'True when every element of a list of bools is true (or the list is empty).',
  anytrue: 'True when at least one element of a list of bools is true.',
  basename: 'The last element of a path.',
  base64decode: 'Decodes a Base64 string to the UTF-8 text it encodes.',
  base64encode: 'Encodes a string in Base64.',
  base64gzip: 'Compresses a string with gzip, then encodes it in Base64.',
  can: 'True when the expression evaluates without an error.',
  ceil: 'The smallest whole number not less than the given number.',
  chomp: 'Removes newline characters at the end of a string.',
  chunklist: 'Splits a list into lists of at most `size` elements.',
  cidrhost: 'The IP address of host number `hostnum` in a network prefix.',
  cidrnetmask: 'The netmask of an IPv4 network prefix, in dotted-decimal form.',
  cidrsubnet: 'A subnet of a network prefix: `newbits` more bits of prefix, numbered `netnum`.',
  cidrsubnets: 'Consecutive subnets of a network prefix, one per `newbits` value.',
  coalesce: 'The first argument that is neither null nor an empty string.',
  coalescelist: 'The first argument that is a non-empty list.',
  compact: 'A list of strings without its empty strings.',
  concat: 'The lists joined into one, in order.',
  contains: 'True when the list holds the value.',
  convert: 'Converts a value to a type, e.g. `convert(var.x, list(string))`.',
  csvdecode: 'Parses CSV text (with a header line) into a list of objects.',
  dirname: 'A path without its last element.',
  distinct: 'A list without its duplicate elements, first occurrences kept.',
  element: 'The element of a list at an index, wrapping around past the end.',
  endswith: 'True when a string ends with the suffix.',
  file: 'The contents of a file, as UTF-8 text.',
  filebase64: 'The contents of a file, encoded in Base64.',
  fileexists: 'True when a file exists at the path.',
  fileset: 'The files under a path that match a glob pattern.',
  flatten: 'Nested lists flattened into one list.',
  floor: 'The largest whole number not greater than the given number.',
  format: 'A string made from a printf-style format and values, e.g. `format("%s-%03d", "img", 7)`.',
  formatdate: 'A timestamp (RFC 3339) formatted with a layout such as `YYYY-MM-DD`.',
  formatlist: 'A list of strings made by `format` from list arguments, element by element.',
  indent: 'Indents every line of a string but the first by a number of spaces.',
  index: 'The index of the first element of a list equal to the value.',
  join: 'The strings of lists joined with a separator.',
  jsondecode: 'Parses JSON text into a value.',
  jsonencode: 'Encodes a value as JSON text.',
  keys: 'The keys of a map or object, sorted.',
  legacy_isotime: 'The build time formatted with a Go layout, as the JSON templates’ `isotime` did.',
  legacy_strftime: 'The build time formatted with a strftime layout, as the JSON templates’ `strftime` did.',
  length: 'The number of elements of a list, map or object, or of characters of a string.',
  log: 'The logarithm of a number in a base.',
  lookup: 'The value of a key in a map, or the default when the key is absent.',
  lower: 'A string in lower case.',
  max: 'The largest of the numbers.',
  md5: 'The MD5 hash of a string, in hexadecimal.',
  merge: 'Maps or objects merged into one; later keys win.',
  min: 'The smallest of the numbers.',
  parseint: 'Parses a string as a whole number in a base from 2 to 62.',
  pathexpand: 'A path with a leading `~` replaced by the home directory.',
  pow: 'A number raised to a power.',
  range: 'A list of numbers: `range(end)`, `range(start, end)` or `range(start, end, step)`.',
  reverse: 'A list in reverse order.',
  replace: 'A string with every occurrence of a substring (or `/regex/`) replaced.',
  regex: 'The first match of a regular expression in a string (captures as a list or object).',
  regexall: 'Every match of a regular expression in a string.',
  regex_replace: 'A string with every match of a regular expression replaced (`$1` for captures).',
  rfc3339_parse: 'The parts of an RFC 3339 timestamp as an object (year, month, day, ...).',
  setintersection: 'The elements every set has.',
  setproduct: 'Every combination of one element from each set.',
  setunion: 'The elements of all the sets.',
  sha1: 'The SHA-1 hash of a string, in hexadecimal.',
  sha256: 'The SHA-256 hash of a string, in hexadecimal.',
  sha512: 'The SHA-512 hash of a string, in hexadecimal.',
  signum: 'The sign of a number: -1, 0 or 1.',
  slice: 'The elements of a list from start_index up to (not including) end_index.',
  sort: 'A list of strings in lexical order.',
  split: 'A string split at every separator.',
  startswith: 'True when a string starts with the prefix.',
  strcontains: 'True when a string contains the substring.',
  strrev: 'A string with its characters in reverse order.',
  substr: 'Part of a string: `length` characters from `offset` (-1: to the end).',
  sum: 'The sum of a list of numbers.',
  templatefile: 'A file rendered as a template with the given variables.',
  textdecodebase64: 'Decodes Base64 bytes from a character encoding into a string.',
  textencodebase64: 'Encodes a string in a character encoding, then in Base64.',
  timestamp: 'The current time, in RFC 3339 form (UTC).',
  timeadd: 'A timestamp plus a duration such as `1h30m`.',
  title: 'A string with the first letter of each word in upper case.',
  trim: 'A string without the given characters at its start and end.',
  trimprefix: 'A string without the prefix, when it starts with it.',
  trimspace: 'A string without white space at its start and end.',
  trimsuffix: 'A string without the suffix, when it ends with it.',
  try: 'The value of the first expression that evaluates without an error.',
  unix_timestamp_parse: 'The parts of a Unix timestamp as an object.',
  upper: 'A string in upper case.',
  urlencode: 'A string encoded for use in a URL query.',
  uuidv4: 'A random UUID (different on every evaluation).',
  uuidv5: 'A name-based UUID in a namespace (`dns`, `url`, `oid`, `x500` or a UUID).',
  values: 'The values of a map or object, in key order.',
  yamldecode: 'Parses YAML text into a value.',
  yamlencode: 'Encodes a value as YAML text.',
  zipmap: 'A map from a list of keys and a list of values.',
};

let cached: FunctionInfo[] | undefined;

/** Every function a template can call, sorted by name, with its signature and doc. */
export function templateFunctions(): FunctionInfo[] {
  if (cached) return cached;
  const out: FunctionInfo[] = [];
  for (const [name, def] of packerFunctions()) {
    const params = def.params.map((p) => `${p.name} ${typeString(p.type)}`);
    if (def.varParam) params.push(`${def.varParam.name}... ${typeString(def.varParam.type)}`);
    const result = typeof def.returnType === 'function' ? 'any' : typeString(def.returnType);
    const doc = DOCS[name] ?? DEFAULT_FUNCTION_NOTES.get(name);
    out.push({ name, signature: `${name}(${params.join(', ')}) ${result}`, ...(doc ? { doc } : {}) });
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  cached = out;
  return out;
}
