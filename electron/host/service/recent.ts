/** The recently opened workspaces, kept in the config folder; a damaged file is treated as empty, never fatal. */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { RecentWorkspace } from '../../api/types';
import { writeFileAtomic } from './files';

const MAX_RECENT = 12;
const recentSchema = z.array(
  z.object({ path: z.string(), kind: z.enum(['file', 'folder']), openedAt: z.string() }),
);

export class RecentList {
  private readonly file: string;

  constructor(configDir: string) {
    this.file = join(configDir, 'recent.json');
  }

  async list(): Promise<RecentWorkspace[]> {
    const text = await fs.readFile(this.file, 'utf8').catch(() => '[]');
    try {
      const parsed = recentSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.slice(0, MAX_RECENT) : [];
    } catch {
      return [];
    }
  }

  async add(path: string, kind: 'file' | 'folder', now = new Date()): Promise<RecentWorkspace[]> {
    const list = (await this.list()).filter((r) => r.path !== path);
    list.unshift({ path, kind, openedAt: now.toISOString() });
    return this.write(list.slice(0, MAX_RECENT));
  }

  async forget(path: string): Promise<RecentWorkspace[]> {
    return this.write((await this.list()).filter((r) => r.path !== path));
  }

  private async write(list: RecentWorkspace[]): Promise<RecentWorkspace[]> {
    await fs.mkdir(join(this.file, '..'), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(list, null, 2) + '\n');
    return list;
  }
}
