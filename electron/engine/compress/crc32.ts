/**
 * CRC-32 (the gzip polynomial) combination, after zlib's crc32_combine: the CRC of A‖B from crc(A),
 * crc(B) and |B| in O(log |B|). Parallel gzip (pgzip.ts) joins the CRCs of its blocks with it.
 */
const POLY = 0xedb88320;

/** a(x)·b(x) mod p(x), bit-reflected. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

const X2N: number[] = [0x40000000];
for (let n = 1; n < 32; n++) X2N.push(multModP(X2N[n - 1], X2N[n - 1]));

/** x^(n·2^k) mod p(x). */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000;
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k & 31], p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

export function crc32Combine(crc1: number, crc2: number, length2: number): number {
  return (multModP(x2nModP(length2, 3), crc1 >>> 0) ^ (crc2 >>> 0)) >>> 0;
}

/** The CRC-32 after `n` more zero bytes: zero bytes only shift the (pre-inverted) register. */
export function crc32ExtendZeros(crc: number, n: number): number {
  return (multModP(x2nModP(n, 3), (crc ^ 0xffffffff) >>> 0) ^ 0xffffffff) >>> 0;
}
