/**
 * The function tables Packer's HCL2 templates see (hcl2template/functions.go): the full library for
 * every expression except variable defaults, where Packer offers only `env`. Functions Packer has but
 * Kiln does not (secret stores, bcrypt, rsadecrypt) are absent and explained by DEFAULT_FUNCTION_NOTES.
 */
import * as collections from './collections';
import { canFunction, convertFunction, env, tryFunction } from './conversion';
import * as datetime from './datetime';
import * as cidr from './cidr';
import * as encoding from './encoding';
import * as fs from './filesystem';
import { format, formatlist } from './format';
import { md5, sha1, sha256, sha512 } from './hashes';
import { jsondecode, jsonencode } from './json';
import * as numbers from './numbers';
import { regex, regexall, regexReplace } from './regex';
import { defineFunction, type FunctionDef, type FunctionTable } from './spec';
import * as strings from './strings';
import { STRING } from '../types';
import { Value } from '../values';
import { hexEncode, utf8Encode } from './util';
import { uuidv4, uuidv5 } from './uuid';
import { yamldecode, yamlencode } from './yaml';

export { DEFAULT_FUNCTION_NOTES } from './notes';
export type { FunctionDef, FunctionTable } from './spec';

function stringHash(name: string, hash: (b: Uint8Array) => Uint8Array): FunctionDef {
  return defineFunction({
    description: name,
    params: [{ name: 'str', type: STRING }],
    returnType: STRING,
    impl: ([s]) => Value.string(hexEncode(hash(utf8Encode(s.asString())))),
  });
}

/**
 * Every function available outside variable defaults. Each call builds a fresh table: `legacy_isotime`
 * and `legacy_strftime` fix their time at first use within one table, as Packer fixes it per run.
 */
export function packerFunctions(): FunctionTable {
  const legacy = datetime.legacyTimeFunctions();
  const table: Record<string, FunctionDef> = {
    abs: numbers.abs,
    abspath: fs.abspath,
    alltrue: collections.alltrue,
    anytrue: collections.anytrue,
    basename: fs.basename,
    base64decode: encoding.base64decode,
    base64encode: encoding.base64encode,
    base64gzip: encoding.base64gzip,
    can: canFunction,
    ceil: numbers.ceil,
    chomp: strings.chomp,
    chunklist: collections.chunklist,
    cidrhost: cidr.cidrhost,
    cidrnetmask: cidr.cidrnetmask,
    cidrsubnet: cidr.cidrsubnet,
    cidrsubnets: cidr.cidrsubnets,
    coalesce: collections.coalesce,
    coalescelist: collections.coalescelist,
    compact: collections.compact,
    concat: collections.concat,
    contains: collections.contains,
    convert: convertFunction,
    csvdecode: encoding.csvdecode,
    dirname: fs.dirname,
    distinct: collections.distinct,
    element: collections.element,
    endswith: strings.endswith,
    file: fs.file,
    filebase64: fs.filebase64,
    fileexists: fs.fileexists,
    fileset: fs.fileset,
    flatten: collections.flatten,
    floor: numbers.floor,
    format,
    formatdate: datetime.formatdate,
    formatlist,
    indent: strings.indent,
    index: collections.index,
    join: strings.join,
    jsondecode,
    jsonencode,
    keys: collections.keys,
    legacy_isotime: legacy.legacy_isotime,
    legacy_strftime: legacy.legacy_strftime,
    length: collections.length,
    log: numbers.log,
    lookup: collections.lookup,
    lower: strings.lower,
    max: numbers.max,
    md5: stringHash('md5', md5),
    merge: collections.merge,
    min: numbers.min,
    parseint: numbers.parseint,
    pathexpand: fs.pathexpand,
    pow: numbers.pow,
    range: collections.range,
    reverse: collections.reverse,
    replace: strings.replace,
    regex,
    regexall,
    regex_replace: regexReplace,
    rfc3339_parse: datetime.rfc3339Parse,
    setintersection: collections.setintersection,
    setproduct: collections.setproduct,
    setunion: collections.setunion,
    sha1: stringHash('sha1', sha1),
    sha256: stringHash('sha256', sha256),
    sha512: stringHash('sha512', sha512),
    signum: numbers.signum,
    slice: collections.slice,
    sort: collections.sort,
    split: strings.split,
    startswith: strings.startswith,
    strcontains: strings.strcontains,
    strrev: strings.strrev,
    substr: strings.substr,
    sum: numbers.sum,
    templatefile: fs.makeTemplatefile(),
    textdecodebase64: encoding.textdecodebase64,
    textencodebase64: encoding.textencodebase64,
    timestamp: datetime.timestamp,
    timeadd: datetime.timeadd,
    title: strings.title,
    trim: strings.trim,
    trimprefix: strings.trimprefix,
    trimspace: strings.trimspace,
    trimsuffix: strings.trimsuffix,
    try: tryFunction,
    unix_timestamp_parse: datetime.unixTimestampParse,
    upper: strings.upper,
    urlencode: encoding.urlencode,
    uuidv4,
    uuidv5,
    values: collections.values,
    yamldecode,
    yamlencode,
    zipmap: collections.zipmap,
  };
  return new Map(Object.entries(table));
}

/** What a variable's `default` may call: Packer allows only `env` there. */
export function variableDefaultFunctions(): FunctionTable {
  return new Map([['env', env]]);
}
