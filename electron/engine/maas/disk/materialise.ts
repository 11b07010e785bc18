/** Writes a disk's byte stream (a decompressed dd image) to a sparse file: zero blocks become holes. */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

const BLOCK = 65536;
const ZERO = Buffer.alloc(BLOCK);

export async function materialiseDisk(stream: AsyncIterable<Buffer>, target: string): Promise<number> {
  const fd = openSync(target, 'w');
  let position = 0;
  try {
    for await (const chunk of stream) {
      for (let at = 0; at < chunk.length; at += BLOCK) {
        const piece = chunk.subarray(at, Math.min(chunk.length, at + BLOCK));
        if (!piece.equals(ZERO.subarray(0, piece.length))) writeSync(fd, piece, 0, piece.length, position);
        position += piece.length;
      }
    }
    ftruncateSync(fd, position);
  } finally {
    closeSync(fd);
  }
  return position;
}
