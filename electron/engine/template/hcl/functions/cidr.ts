/**
 * CIDR functions (go-cty-funcs cidr over apparentlymart/go-cidr): IPv4 and IPv6, with Go's net
 * package formatting of addresses (IPv6 in RFC 5952 short form).
 */
import { NUMBER, STRING, listOf } from '../types';
import { Value } from '../values';
import { ArgError, defineFunction, FunctionError } from './spec';
import { toInt } from './util';

interface Network {
  /** The address with host bits cleared, as a big integer. */
  ip: bigint;
  /** 32 or 128. */
  bits: number;
  prefix: number;
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseIPv6(s: string): bigint | undefined {
  let text = s;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    // A trailing dotted IPv4 part stands for the last two 16-bit groups.
    const n = parseIPv4(v4[2]);
    if (n === undefined) return undefined;
    text = `${v4[1]}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  for (const g of [...head, ...tail]) if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
  const count = head.length + tail.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const words = [...head, ...Array<string>(8 - count).fill('0'), ...tail].map((g) => BigInt(parseInt(g, 16)));
  return words.reduce((acc, w) => (acc << 16n) | w, 0n);
}

/** Go's net.ParseCIDR (the network only); throws with Go's message. */
function parseCIDR(s: string): Network {
  const bad = () => new FunctionError(`invalid CIDR expression: invalid CIDR address: ${s}`);
  const slash = s.indexOf('/');
  if (slash < 0) throw bad();
  const addr = s.slice(0, slash);
  const prefixText = s.slice(slash + 1);
  let ip = parseIPv4(addr);
  let bits = 32;
  if (ip === undefined) {
    ip = parseIPv6(addr);
    bits = 128;
  }
  if (ip === undefined || !/^\d+$/.test(prefixText) || prefixText.length > 3) throw bad();
  const prefix = Number(prefixText);
  if (prefix > bits) throw bad();
  const mask = maskOf(prefix, bits);
  return { ip: ip & mask, bits, prefix };
}

function maskOf(prefix: number, bits: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return (all << BigInt(bits - prefix)) & all;
}

/** Go's net.IP.String. */
function formatIP(ip: bigint, bits: number): string {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((ip >> s) & 0xffn)).join('.');
  const words = Array.from({ length: 8 }, (_, i) => Number((ip >> BigInt(16 * (7 - i))) & 0xffffn));
  // An IPv4-mapped address prints in dotted form, like Go does.
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) return formatIP(ip & 0xffffffffn, 32);
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLength).join(':');
}

function formatNetwork(n: Network): string {
  return `${formatIP(n.ip, n.bits)}/${n.prefix}`;
}

export const cidrhost = defineFunction({
  description: 'cidrhost',
  params: [
    { name: 'prefix', type: STRING },
    { name: 'hostnum', type: NUMBER },
  ],
  returnType: STRING,
  impl([prefix, hostnum]) {
    const num = toInt(hostnum);
    const net = parseCIDR(prefix.asString());
    const hostBits = net.bits - net.prefix;
    const maxHost = (1n << BigInt(hostBits)) - 1n;
    let n = BigInt(num);
    let magnitude = n;
    if (n < 0n) {
      magnitude = -n - 1n;
      n = maxHost - magnitude;
    }
    if (magnitude > maxHost)
      throw new FunctionError(`prefix of ${net.prefix} does not accommodate a host numbered ${num}`);
    return Value.string(formatIP(net.ip | n, net.bits));
  },
});

export const cidrnetmask = defineFunction({
  description: 'cidrnetmask',
  params: [{ name: 'prefix', type: STRING }],
  returnType: STRING,
  impl([prefix]) {
    const net = parseCIDR(prefix.asString());
    return Value.string(formatIP(maskOf(net.prefix, net.bits), net.bits));
  },
});

function subnet(net: Network, newBits: number, num: bigint): Network {
  const prefix = net.prefix + newBits;
  if (prefix > net.bits) {
    throw new FunctionError(`insufficient address space to extend prefix of ${net.prefix} by ${newBits}`);
  }
  const maxNum = (1n << BigInt(newBits)) - 1n;
  if (num < 0n || num > maxNum) {
    throw new FunctionError(`prefix extension of ${newBits} does not accommodate a subnet numbered ${num}`);
  }
  return { ip: net.ip | (num << BigInt(net.bits - prefix)), bits: net.bits, prefix };
}

export const cidrsubnet = defineFunction({
  description: 'cidrsubnet',
  params: [
    { name: 'prefix', type: STRING },
    { name: 'newbits', type: NUMBER },
    { name: 'netnum', type: NUMBER },
  ],
  returnType: STRING,
  impl([prefix, newbits, netnum]) {
    const bits = toInt(newbits);
    const num = toInt(netnum);
    const net = parseCIDR(prefix.asString());
    if (bits > 32) throw new FunctionError('may not extend prefix by more than 32 bits');
    return Value.string(formatNetwork(subnet(net, bits, BigInt(num))));
  },
});

export const cidrsubnets = defineFunction({
  description: 'cidrsubnets',
  params: [{ name: 'prefix', type: STRING }],
  varParam: { name: 'newbits', type: NUMBER },
  returnType: listOf(STRING),
  impl([prefix, ...lengths]) {
    let net: Network;
    try {
      net = parseCIDR(prefix.asString());
    } catch (e) {
      throw new ArgError(0, (e as Error).message);
    }
    if (lengths.length === 0) return Value.list([], STRING);
    const readLength = (v: Value, i: number) => {
      try {
        return toInt(v);
      } catch (e) {
        throw new ArgError(i + 1, (e as Error).message);
      }
    };
    const first = readLength(lengths[0], 0) + net.prefix;
    const modulus = 1n << BigInt(net.bits);
    const size = (length: number) => 1n << BigInt(net.bits - length);
    const contains = (ip: bigint) => (ip & maskOf(net.prefix, net.bits)) === net.ip;
    // go-cidr PreviousSubnet: the subnet of the first size just before the network (wrapping at zero).
    let current: Network = {
      ip: ((((net.ip - 1n) % modulus) + modulus) % modulus) & maskOf(first, net.bits),
      bits: net.bits,
      prefix: first,
    };
    const results: Value[] = [];
    lengths.forEach((v, i) => {
      let length = readLength(v, i);
      if (length < 1) throw new ArgError(i + 1, 'must extend prefix by at least one bit');
      if (length > 32) throw new ArgError(i + 1, 'may not extend prefix by more than 32 bits');
      length += net.prefix;
      if (length > net.bits) {
        throw new ArgError(
          i + 1,
          `would extend prefix to ${length} bits, which is too long for an ${net.bits === 32 ? 'IPv4' : 'IPv6'} address`,
        );
      }
      // go-cidr NextSubnet: the subnet of the new size that follows the one holding the current last address.
      const currentLast = current.ip + size(current.prefix) - 1n;
      let next = (currentLast & maskOf(length, net.bits)) + size(length);
      const rollover = next >= modulus;
      next %= modulus;
      if (rollover || !contains(next)) {
        throw new ArgError(
          i + 1,
          `not enough remaining address space for a subnet with a prefix of ${length} bits after ${formatNetwork(current)}`,
        );
      }
      current = { ip: next, bits: net.bits, prefix: length };
      results.push(Value.string(formatNetwork(current)));
    });
    return Value.list(results);
  },
});
