/**
 * The image store's running sha256 must always be the sha256 of the bytes on disk, whatever the order
 * of writes, rewrites, truncations and renames, with direct I/O and without.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageStore } from './storage';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-image-store-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** The bytes a file should hold, kept beside the store by the test. */
class Model {
  bytes = Buffer.alloc(0);
  write(offset: number, data: Buffer) {
    const end = offset + data.length;
    if (end > this.bytes.length)
      this.bytes = Buffer.concat([this.bytes, Buffer.alloc(end - this.bytes.length)]);
    data.copy(this.bytes, offset);
  }
  truncate(size: number) {
    this.bytes =
      size <= this.bytes.length
        ? Buffer.from(this.bytes.subarray(0, size))
        : Buffer.concat([this.bytes, Buffer.alloc(size - this.bytes.length)]);
  }
}

/** A chunk: 4 KiB multiples (the direct path), odd sizes (the page cache), sometimes in pieces. */
function chunk(): Buffer | Buffer[] {
  const length = randomInt(3) === 0 ? randomInt(1, 9000) : 4096 * randomInt(1, 40);
  const data = randomBytes(length);
  if (randomInt(2) === 0 || length < 3) return data;
  const cut = randomInt(1, length - 1);
  return [data.subarray(0, cut), data.subarray(cut)];
}
const joined = (data: Buffer | Buffer[]) => (Array.isArray(data) ? Buffer.concat(data) : data);

describe.each([
  ['direct I/O where the filesystem allows it', true],
  ['through the page cache', false],
])('ImageStore, %s', (_name, directIo) => {
  it("its sha256 is the file's after every append, rewrite of the last write, truncation and stray write", async () => {
    const store = new ImageStore({ directIo });
    let file = path.join(dir, `random-${String(directIo)}`);
    const model = new Model();
    await store.startEmpty(file);
    let lastWriteAt = 0;
    for (let step = 0; step < 150; step++) {
      const op = randomInt(100);
      if (op < 50 || model.bytes.length === 0) {
        const data = chunk();
        lastWriteAt = model.bytes.length;
        if (randomInt(2) === 0) await store.append(file, data);
        else await store.writeAt(file, lastWriteAt, data);
        model.write(lastWriteAt, joined(data));
      } else if (op < 65) {
        // A resent chunk: the region writes it again where the rolled-back one went (3.5–3.7).
        const data = chunk();
        await store.writeAt(file, lastWriteAt, data);
        model.write(lastWriteAt, joined(data));
      } else if (op < 75) {
        // A rollback (3.4 truncates to the size before the chunk).
        await store.truncate(file, lastWriteAt);
        model.truncate(lastWriteAt);
      } else if (op < 80) {
        const size = randomInt(model.bytes.length + 1);
        await store.truncate(file, size);
        model.truncate(size);
        lastWriteAt = Math.min(lastWriteAt, size);
      } else if (op < 85) {
        const offset = randomInt(model.bytes.length + 1);
        const data = chunk();
        await store.writeAt(file, offset, data);
        model.write(offset, joined(data));
      } else if (op < 88) {
        const renamed = `${file}-r`;
        await store.rename(file, renamed);
        file = renamed;
      } else if (op < 90) {
        await store.startEmpty(file);
        model.truncate(0);
        lastWriteAt = 0;
      } else {
        await store.flush();
        const onDisk = await fs.readFile(file);
        expect(onDisk.equals(model.bytes)).toBe(true);
      }
      expect(await store.sha256(file)).toBe(sha(model.bytes));
    }
  });

  it('a file it did not create empty is read back; one it created is hashed as written', async () => {
    const store = new ImageStore({ directIo });
    const file = path.join(dir, `foreign-${String(directIo)}`);
    const existing = randomBytes(10_000);
    await fs.writeFile(file, existing);
    await store.ensure(file);
    const more = randomBytes(8192);
    await store.append(file, more);
    expect(await store.sha256(file)).toBe(sha(Buffer.concat([existing, more])));
    const fresh = path.join(dir, `fresh-${String(directIo)}`);
    await store.remove(fresh);
    await store.ensure(fresh);
    await store.append(fresh, more);
    expect(await store.sha256(fresh)).toBe(sha(more));
  });

  it('a large chunk in 64 KiB pieces lands whole, tail included', async () => {
    const store = new ImageStore({ directIo });
    const file = path.join(dir, `large-${String(directIo)}`);
    const data = randomBytes(8 * 1024 * 1024 + 123);
    const pieces: Buffer[] = [];
    for (let at = 0; at < data.length; at += 65536) pieces.push(data.subarray(at, at + 65536));
    await store.startEmpty(file);
    await store.writeAt(file, 0, pieces);
    await store.append(file, data.subarray(0, 4096));
    const expected = Buffer.concat([data, data.subarray(0, 4096)]);
    await store.flush();
    expect((await fs.readFile(file)).equals(expected)).toBe(true);
    expect(await store.sha256(file)).toBe(sha(expected));
  });

  it('a write that fails on its way to disk fails the next operation on the file, until it is started anew', async () => {
    const store = new ImageStore({ directIo });
    const file = path.join(dir, `failing-${String(directIo)}`);
    await store.startEmpty(file);
    await store.flush();
    await fs.rm(file);
    await store.writeAt(file, 0, randomBytes(8192));
    await expect(store.sha256(file)).rejects.toThrow(/ENOENT/);
    await expect(store.append(file, randomBytes(10))).rejects.toThrow(/ENOENT/);
    await store.startEmpty(file);
    await store.append(file, Buffer.from('ok'));
    expect(await store.sha256(file)).toBe(sha(Buffer.from('ok')));
  });
});
