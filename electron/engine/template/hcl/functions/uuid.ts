/**
 * uuidv4 (random, from the host) and uuidv5 (SHA-1 name-based, go-cty-funcs with google/uuid).
 */
import { STRING } from '../types';
import { Value } from '../values';
import { sha1 } from './hashes';
import { defineFunction, FunctionError } from './spec';
import { hexEncode, utf8Encode } from './util';

const NAMESPACES: Record<string, string> = {
  dns: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  url: '6ba7b811-9dad-11d1-80b4-00c04fd430c8',
  oid: '6ba7b812-9dad-11d1-80b4-00c04fd430c8',
  x500: '6ba7b814-9dad-11d1-80b4-00c04fd430c8',
};

/** google/uuid Parse: the 36-character form, with `urn:uuid:` or braces, or 32 bare hex digits. */
function parseUUID(s: string): Uint8Array {
  let hex: string;
  switch (s.length) {
    case 36:
      hex = s;
      break;
    case 45:
      if (s.slice(0, 9).toLowerCase() !== 'urn:uuid:')
        throw new Error(`invalid urn prefix: ${JSON.stringify(s.slice(0, 9))}`);
      hex = s.slice(9);
      break;
    case 38:
      if (s[0] !== '{' || s[37] !== '}') throw new Error('invalid UUID format');
      hex = s.slice(1, 37);
      break;
    case 32:
      if (!/^[0-9a-fA-F]{32}$/.test(s)) throw new Error('invalid UUID format');
      return Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
    default:
      throw new Error(`invalid UUID length: ${s.length}`);
  }
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(hex)) {
    throw new Error('invalid UUID format');
  }
  return Uint8Array.from(
    hex
      .replace(/-/g, '')
      .match(/../g)!
      .map((b) => parseInt(b, 16)),
  );
}

function formatUUID(b: Uint8Array): string {
  const h = hexEncode(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function uuidV5(namespace: string, name: string): string {
  const ns = parseUUID(NAMESPACES[namespace] ?? namespace);
  const data = new Uint8Array(ns.length + utf8Encode(name).length);
  data.set(ns);
  data.set(utf8Encode(name), ns.length);
  const hash = sha1(data).slice(0, 16);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  return formatUUID(hash);
}

export const uuidv4 = defineFunction({
  description: 'uuidv4',
  params: [],
  returnType: STRING,
  impl(_args, _t, ctx) {
    if (!ctx.host) throw new FunctionError('random numbers are not available here');
    return Value.string(ctx.host.randomUUID());
  },
});

export const uuidv5 = defineFunction({
  description: 'uuidv5',
  params: [
    { name: 'namespace', type: STRING },
    { name: 'name', type: STRING },
  ],
  returnType: STRING,
  impl([namespace, name]) {
    try {
      return Value.string(uuidV5(namespace.asString(), name.asString()));
    } catch (e) {
      throw new FunctionError(
        `uuidv5() doesn't support namespace ${namespace.asString()} (${(e as Error).message})`,
      );
    }
  },
});
