/**
 * The source of a parallel gzip worker (compress/pgzip.ts). It is plain JavaScript evaluated from this
 * string (`new Worker(source, { eval: true })`), so it runs the same unbundled (tests, tsx) and bundled.
 *
 * A job is one block of the stream: a buffer (transferred, and sent back for reuse) whose inline bytes
 * the main thread already copied in, plus `fills` the worker makes itself: ranges read from an open file
 * (the main thread never touches those bytes) and zero runs. The 32 KiB before the block come the same
 * way and prime the deflater, so blocks compress almost as well as one stream does. Each block ends
 * with a sync flush (byte-aligned, so the pieces join into one deflate stream); the last one finishes it.
 * The worker also computes the block's CRC-32; the main thread combines them.
 */
/** Output buffers the workers and the main thread pass back and forth hold this much. */
export const OUTPUT_CAPACITY = 1024 * 1024 + 64 * 1024;

export const DEFLATE_WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const { readSync } = require('node:fs');
const zlib = require('node:zlib');

const PROBE = 32 * 1024;
const ZEROS = Buffer.alloc(1024 * 1024);
const DICTIONARY = Buffer.alloc(PROBE);

function isZeros(buffer) {
  for (let at = 0; at < buffer.length; at += ZEROS.length) {
    const n = Math.min(ZEROS.length, buffer.length - at);
    if (!buffer.subarray(at, at + n).equals(ZEROS.subarray(0, n))) return false;
  }
  return true;
}

function applyFills(target, fills) {
  for (const fill of fills) {
    if (fill.kind === 'zeros') {
      target.fill(0, fill.at, fill.at + fill.length);
      continue;
    }
    for (let done = 0; done < fill.length; ) {
      const n = readSync(fill.fd, target, fill.at + done, fill.length - done, fill.position + done);
      if (n === 0) throw new Error(fill.name + ': the file ended early (it shrank while being compressed)');
      done += n;
    }
  }
}

// Already-compressed data (a third of a typical disk image) makes zlib search in vain; Go's deflate
// gives up early on it. A block is stored when both its ends look random: byte entropy (every 4th byte
// of 32 KiB: ~20 µs) near 8 bits, and, at the head, a level 1 deflate that does not shrink (repeats
// within the window that entropy alone cannot see). Text fails the first test at once.
const histogram = new Uint32Array(256);
function looksRandom(input, from) {
  histogram.fill(0);
  let n = 0;
  for (let i = from; i < from + PROBE; i += 4, n++) histogram[input[i]]++;
  let bits = 0;
  for (const count of histogram) if (count) bits -= (count / n) * Math.log2(count / n);
  return bits >= 7.9;
}
function incompressible(input) {
  if (input.length < 4 * PROBE || !looksRandom(input, 0)) return false;
  const head = zlib.deflateRawSync(input.subarray(0, PROBE), { level: 1 });
  return head.length >= PROBE * 0.98 && looksRandom(input, input.length - PROBE);
}

// Deflate stored blocks (RFC 1951 3.2.4), written straight into an output buffer.
function stored(input, last) {
  const pieces = Math.max(1, Math.ceil(input.length / 65535));
  const out = outputBuffer(input.length + 5 * pieces);
  let o = 0;
  for (let p = 0; p < pieces; p++) {
    const at = p * 65535;
    const n = Math.min(65535, input.length - at);
    out[o++] = last && p === pieces - 1 ? 1 : 0;
    out.writeUInt16LE(n, o);
    out.writeUInt16LE(~n & 0xffff, o + 2);
    o += 4;
    input.copy(out, o, at, at + n);
    o += n;
  }
  return out;
}

// A block of zeros after 32 KiB of zeros always deflates to the same bytes: compress it once per
// length and level (holes of disk images are long runs of these).
const zeroRuns = new Map();

function compress(block, dictionary, level, last) {
  if (!last && dictionary && dictionary.length === PROBE && isZeros(dictionary) && isZeros(block)) {
    const key = block.length + ':' + level;
    let cached = zeroRuns.get(key);
    if (!cached) {
      const out = zlib.deflateRawSync(block, { level, dictionary, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      cached = { out, crc: zlib.crc32(block) };
      zeroRuns.set(key, cached);
    }
    return { out: cached.out, crc: cached.crc, zeroRun: true };
  }
  const crc = zlib.crc32(block);
  if (incompressible(block)) return { out: stored(block, last), crc, zeroRun: false };
  const options = { level };
  if (dictionary) options.dictionary = dictionary;
  if (!last) options.finishFlush = zlib.constants.Z_SYNC_FLUSH;
  return { out: zlib.deflateRawSync(block, options), crc, zeroRun: false };
}

// Outputs go to the main thread in buffers that it sends back once written (job.outputs), so blocks
// cost no fresh memory (page faults, garbage collection) on either side. A pool buffer holds any
// block's output but a pathological one, which gets a buffer of its own.
const OUTPUT_CAPACITY = ${OUTPUT_CAPACITY};
const outputs = [];
function outputBuffer(length) {
  if (length > OUTPUT_CAPACITY) return Buffer.from(new ArrayBuffer(length));
  return Buffer.from(outputs.pop() || new ArrayBuffer(OUTPUT_CAPACITY), 0, length);
}

parentPort.on('message', (job) => {
  for (const buffer of job.outputs) outputs.push(buffer);
  try {
    const block = Buffer.from(job.block, 0, job.length);
    applyFills(block, job.fills);
    let dictionary;
    if (job.dictionary) {
      // zlib copies the dictionary in as it starts, so one buffer serves every block.
      dictionary = DICTIONARY.subarray(0, job.dictionary.length);
      if (job.dictionary.bytes) dictionary.set(job.dictionary.bytes);
      applyFills(dictionary, job.dictionary.fills);
    }
    const result = compress(block, dictionary, job.level, job.last);
    let out = result.out;
    if (out.buffer.byteLength !== OUTPUT_CAPACITY) {
      // zlib's own output, or a cached zero run: into a pool buffer (a transferred buffer is gone here)
      out = outputBuffer(result.out.length);
      result.out.copy(out);
    }
    parentPort.postMessage(
      { id: job.id, block: job.block, out: out.buffer, outOffset: out.byteOffset, outLength: out.length, crc: result.crc, zeroRun: result.zeroRun },
      [job.block, out.buffer],
    );
  } catch (err) {
    parentPort.postMessage({ id: job.id, block: job.block, error: String((err && err.message) || err) }, [job.block]);
  }
});
`;
