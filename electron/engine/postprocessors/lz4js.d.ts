/** The part of lz4js (pure JavaScript LZ4) the compress post-processor uses. */
declare module 'lz4js' {
  export function compressBound(n: number): number;
  /** Compresses src[sIndex, sIndex+sLength) into dst from 0; returns the compressed size (0 if incompressible). */
  export function compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    hashTable: Uint32Array,
  ): number;
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
