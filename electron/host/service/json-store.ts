/**
 * A small JSON settings file in Kiln's config folder: read and checked with a schema (a damaged or
 * missing file reads as the default, never fatal), written atomically, writes done one at a time.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { writeFileAtomic } from './files';

export class JsonFileStore<T> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly schema: z.ZodType<T>,
    private readonly fallback: () => T,
  ) {}

  async read(): Promise<T> {
    const text = await fs.readFile(this.file, 'utf8').catch(() => undefined);
    if (text === undefined) return this.fallback();
    try {
      const parsed = this.schema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : this.fallback();
    } catch {
      return this.fallback();
    }
  }

  /** Reads, changes and writes the file, after any update already under way. */
  update<R>(change: (value: T) => R): Promise<R> {
    const next = this.queue.then(async () => {
      const value = await this.read();
      const result = change(value);
      await fs.mkdir(dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, `${JSON.stringify(value, null, 2)}\n`);
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
