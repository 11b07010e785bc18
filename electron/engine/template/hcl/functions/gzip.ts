/**
 * A small synchronous gzip writer (RFC 1951 deflate with LZ77 and the fixed Huffman code, RFC 1952
 * framing) for `base64gzip`, since the platform's CompressionStream is asynchronous. The output is a
 * valid gzip stream of the same data; its bytes differ from Go's compress/gzip, which uses dynamic
 * Huffman tables.
 */

class BitWriter {
  private bytes: number[] = [];
  private bitBuffer = 0;
  private bitCount = 0;

  /** Writes `count` bits of `value`, least significant bit first. */
  bits(value: number, count: number): void {
    for (let i = 0; i < count; i++) {
      this.bitBuffer |= ((value >>> i) & 1) << this.bitCount;
      this.bitCount++;
      if (this.bitCount === 8) {
        this.bytes.push(this.bitBuffer);
        this.bitBuffer = 0;
        this.bitCount = 0;
      }
    }
  }

  /** Writes a Huffman code, most significant bit first. */
  code(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) this.bits((code >>> i) & 1, 1);
  }

  finish(): number[] {
    if (this.bitCount > 0) this.bytes.push(this.bitBuffer);
    this.bitCount = 0;
    this.bitBuffer = 0;
    return this.bytes;
  }
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];

function writeLiteralOrLength(w: BitWriter, symbol: number): void {
  if (symbol <= 143) w.code(0x30 + symbol, 8);
  else if (symbol <= 255) w.code(0x190 + (symbol - 144), 9);
  else if (symbol <= 279) w.code(symbol - 256, 7);
  else w.code(0xc0 + (symbol - 280), 8);
}

function writeMatch(w: BitWriter, length: number, distance: number): void {
  let li = LENGTH_BASE.length - 1;
  while (LENGTH_BASE[li] > length) li--;
  writeLiteralOrLength(w, 257 + li);
  w.bits(length - LENGTH_BASE[li], LENGTH_EXTRA[li]);
  let di = DIST_BASE.length - 1;
  while (DIST_BASE[di] > distance) di--;
  w.code(di, 5);
  w.bits(distance - DIST_BASE[di], DIST_EXTRA[di]);
}

const WINDOW = 32768;
const MAX_CHAIN = 128;

export function deflateFixed(data: Uint8Array): Uint8Array {
  const w = new BitWriter();
  w.bits(1, 1); // final block
  w.bits(1, 2); // fixed Huffman codes
  const head = new Map<number, number[]>();
  const key = (i: number) => (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
  const remember = (i: number) => {
    if (i + 2 >= data.length) return;
    const k = key(i);
    let chain = head.get(k);
    if (!chain) head.set(k, (chain = []));
    chain.push(i);
    if (chain.length > MAX_CHAIN) chain.shift();
  };
  let i = 0;
  while (i < data.length) {
    let bestLength = 0;
    let bestDistance = 0;
    if (i + 2 < data.length) {
      const chain = head.get(key(i)) ?? [];
      for (let c = chain.length - 1; c >= 0; c--) {
        const j = chain[c];
        if (i - j > WINDOW) break;
        let length = 0;
        while (length < 258 && i + length < data.length && data[j + length] === data[i + length]) length++;
        if (length > bestLength) {
          bestLength = length;
          bestDistance = i - j;
          if (length === 258) break;
        }
      }
    }
    if (bestLength >= 3) {
      writeMatch(w, bestLength, bestDistance);
      for (let k = 0; k < bestLength; k++) remember(i + k);
      i += bestLength;
    } else {
      writeLiteralOrLength(w, data[i]);
      remember(i);
      i++;
    }
  }
  writeLiteralOrLength(w, 256);
  return Uint8Array.from(w.finish());
}

let crcTable: Uint32Array | undefined;

export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of data) crc = crcTable[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A gzip member with no name and no modification time, like Go's gzip.Writer with default settings. */
export function gzip(data: Uint8Array): Uint8Array {
  const body = deflateFixed(data);
  const out = new Uint8Array(10 + body.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  out.set(body, 10);
  const trailer = new DataView(out.buffer, 10 + body.length);
  trailer.setUint32(0, crc32(data), true);
  trailer.setUint32(4, data.length >>> 0, true);
  return out;
}
