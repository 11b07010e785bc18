/**
 * Encoding functions: base64 (go-cty-funcs), base64gzip (Packer), textencodebase64/textdecodebase64
 * (Packer; a handful of common encodings), urlencode (Go's url.QueryEscape), csvdecode (cty stdlib,
 * Go's encoding/csv rules).
 */
import { goQuote } from '../gostrings';
import { STRING, listOf, objectOf, type Type } from '../types';
import { DYNAMIC_VALUE, Value } from '../values';
import { gzip } from './gzip';
import { ArgError, defineFunction, FunctionError } from './spec';
import { base64Decode, base64Encode, utf8Decode, utf8Encode } from './util';

export const base64encode = defineFunction({
  description: 'base64encode',
  params: [{ name: 'str', type: STRING }],
  returnType: STRING,
  impl: ([s]) => Value.string(base64Encode(utf8Encode(s.asString()))),
});

export const base64decode = defineFunction({
  description: 'base64decode',
  params: [{ name: 'str', type: STRING }],
  returnType: STRING,
  impl([s]) {
    const decoded = base64Decode(s.asString());
    if (!('bytes' in decoded)) throw new FunctionError(`failed to decode base64 data '${s.asString()}'`);
    const text = utf8Decode(decoded.bytes);
    if (text === undefined)
      throw new FunctionError('the result of decoding the the provided string is not valid UTF-8');
    return Value.string(text);
  },
});

export const base64gzip = defineFunction({
  description: 'base64gzip',
  params: [{ name: 'str', type: STRING }],
  returnType: STRING,
  impl: ([s]) => Value.string(base64Encode(gzip(utf8Encode(s.asString())))),
});

interface TextEncoding {
  name: string;
  encode(s: string): Uint8Array | undefined;
  decode(b: Uint8Array): string | undefined;
}

function singleByte(name: string, max: number): TextEncoding {
  return {
    name,
    encode(s) {
      const out: number[] = [];
      for (const c of s) {
        const cp = c.codePointAt(0)!;
        if (cp > max) return undefined;
        out.push(cp);
      }
      return Uint8Array.from(out);
    },
    decode(b) {
      if (b.some((x) => x > max)) return undefined;
      return String.fromCharCode(...b);
    },
  };
}

function utf16(name: string, littleEndian: boolean, bom: boolean): TextEncoding {
  return {
    name,
    encode(s) {
      const units = bom ? '\ufeff' + s : s;
      const out = new Uint8Array(units.length * 2);
      const view = new DataView(out.buffer);
      for (let i = 0; i < units.length; i++) view.setUint16(2 * i, units.charCodeAt(i), littleEndian);
      return out;
    },
    decode(b) {
      if (b.length % 2 !== 0) return undefined;
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      let le = littleEndian;
      let start = 0;
      if (bom && b.length >= 2) {
        const mark = view.getUint16(0, false);
        if (mark === 0xfeff) start = 2;
        else if (mark === 0xfffe) {
          le = true;
          start = 2;
        }
      }
      let s = '';
      for (let i = start; i < b.length; i += 2) s += String.fromCharCode(view.getUint16(i, le));
      return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s) ? undefined : s;
    },
  };
}

const UTF8: TextEncoding = { name: 'UTF-8', encode: utf8Encode, decode: utf8Decode };

const ENCODINGS = new Map<string, TextEncoding>([
  ['utf-8', UTF8],
  ['utf8', UTF8],
  ['csutf8', UTF8],
  ['utf-16', utf16('UTF-16', false, true)],
  ['utf-16be', utf16('UTF-16BE', false, false)],
  ['utf-16le', utf16('UTF-16LE', true, false)],
  ['iso-8859-1', singleByte('ISO-8859-1', 0xff)],
  ['latin1', singleByte('ISO-8859-1', 0xff)],
  ['l1', singleByte('ISO-8859-1', 0xff)],
  ['iso_8859-1', singleByte('ISO-8859-1', 0xff)],
  ['us-ascii', singleByte('US-ASCII', 0x7f)],
  ['ascii', singleByte('US-ASCII', 0x7f)],
]);

function encodingFor(name: string): TextEncoding {
  const e = ENCODINGS.get(name.toLowerCase());
  if (!e) {
    throw new ArgError(
      1,
      `${goQuote(name)} is not a supported IANA encoding name or alias (Kiln supports UTF-8, UTF-16, UTF-16LE, UTF-16BE, ISO-8859-1 and US-ASCII)`,
    );
  }
  return e;
}

export const textencodebase64 = defineFunction({
  description: 'textencodebase64',
  params: [
    { name: 'string', type: STRING },
    { name: 'encoding', type: STRING },
  ],
  returnType: STRING,
  impl([s, enc]) {
    const encoding = encodingFor(enc.asString());
    const bytes = encoding.encode(s.asString());
    if (!bytes)
      throw new ArgError(
        0,
        `the given string contains characters that cannot be represented in ${encoding.name}`,
      );
    return Value.string(base64Encode(bytes));
  },
});

export const textdecodebase64 = defineFunction({
  description: 'textdecodebase64',
  params: [
    { name: 'source', type: STRING },
    { name: 'encoding', type: STRING },
  ],
  returnType: STRING,
  impl([s, enc]) {
    const encoding = encodingFor(enc.asString());
    const decoded = base64Decode(s.asString());
    if (!('bytes' in decoded)) {
      throw new ArgError(0, `the given value is has an invalid base64 symbol at offset ${decoded.badOffset}`);
    }
    const text = encoding.decode(decoded.bytes);
    if (text === undefined || text.includes('\ufffd')) {
      throw new ArgError(0, `the given string contains symbols that are not defined for ${encoding.name}`);
    }
    return Value.string(text);
  },
});

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8Encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export const urlencode = defineFunction({
  description: 'urlencode',
  params: [{ name: 'str', type: STRING }],
  returnType: STRING,
  impl: ([s]) => Value.string(queryEscape(s.asString())),
});

class CSVError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`CSV parse error on line ${line}: ${reason}`);
  }
}

/** Go's encoding/csv with default settings: records of fields; blank lines skipped. */
function readCSV(text: string, fieldsPerRecord?: number): string[][] {
  const records: string[][] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let lineIndex = 0;
  while (lineIndex < lines.length) {
    const startLine = lineIndex + 1;
    let line = lines[lineIndex++];
    if (line === '' && lineIndex === lines.length) break;
    if (line === '') continue;
    const fields: string[] = [];
    let pos = 0;
    while (true) {
      if (line[pos] !== '"') {
        const comma = line.indexOf(',', pos);
        const field = comma < 0 ? line.slice(pos) : line.slice(pos, comma);
        const quote = field.indexOf('"');
        if (quote >= 0) throw new CSVError(startLine, 'bare " in non-quoted-field');
        fields.push(field);
        if (comma < 0) break;
        pos = comma + 1;
        continue;
      }
      // Quoted field, possibly spanning lines.
      pos++;
      let field = '';
      while (true) {
        const q = line.indexOf('"', pos);
        if (q < 0) {
          field += line.slice(pos) + '\n';
          if (lineIndex >= lines.length || (lineIndex === lines.length - 1 && lines[lineIndex] === '')) {
            throw new CSVError(startLine, 'extraneous or missing " in quoted-field');
          }
          line = lines[lineIndex++];
          pos = 0;
          continue;
        }
        field += line.slice(pos, q);
        if (line[q + 1] === '"') {
          field += '"';
          pos = q + 2;
          continue;
        }
        pos = q + 1;
        break;
      }
      fields.push(field);
      if (pos >= line.length) break;
      if (line[pos] !== ',') throw new CSVError(lineIndex, 'extraneous or missing " in quoted-field');
      pos++;
    }
    if (fieldsPerRecord !== undefined && fields.length !== fieldsPerRecord) {
      throw new CSVError(startLine, 'wrong number of fields');
    }
    records.push(fields);
  }
  return records;
}

function csvType(text: string): Type {
  let header: string[] | undefined;
  try {
    header = readCSV(text)[0];
  } catch (e) {
    if (e instanceof CSVError) {
      if (e.line === 1) throw new FunctionError(e.message);
      header = readCSV(text.split(/\r?\n/)[0])[0];
    } else throw e;
  }
  if (!header) throw new FunctionError('missing header line');
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new FunctionError(`duplicate column name ${goQuote(name)}`);
    seen.add(name);
  }
  return listOf(objectOf(header.map((n) => [n, STRING] as [string, Type])));
}

export const csvdecode = defineFunction({
  description: 'csvdecode',
  params: [{ name: 'str', type: STRING }],
  returnType: (args) => (args[0].isKnown() ? csvType(args[0].asString()) : DYNAMIC_VALUE.type),
  impl([s], returnType) {
    const ety = (returnType as { element: Type }).element;
    const columns = (ety as { attributes: ReadonlyMap<string, Type> }).attributes.size;
    let records: string[][];
    try {
      records = readCSV(s.asString(), columns);
    } catch (e) {
      if (e instanceof CSVError) throw new FunctionError(e.message);
      throw e;
    }
    const [header, ...rows] = records;
    if (rows.length === 0) return Value.list([], ety);
    return Value.list(
      rows.map((row) => Value.object(row.map((v, i) => [header[i], Value.string(v)] as [string, Value]))),
    );
  },
});
