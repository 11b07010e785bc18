/**
 * Breakpoints set in the editor gutter, kept per workspace (its root and entry) in the config folder,
 * never in the template: a breakpoint is a component address, so it survives edits that move lines.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { JsonFileStore } from './json-store';

const MAX_WORKSPACES = 200;
const schema = z.object({
  version: z.literal(1),
  workspaces: z.record(z.string(), z.object({ breakpoints: z.array(z.string()), usedAt: z.string() })),
});
type BreakpointsFile = z.infer<typeof schema>;

export class BreakpointStore {
  private readonly store: JsonFileStore<BreakpointsFile>;

  constructor(configDir: string) {
    this.store = new JsonFileStore(join(configDir, 'breakpoints.json'), schema, () => ({
      version: 1,
      workspaces: {},
    }));
  }

  private static key(root: string, entry: string): string {
    return entry === '.' ? root : join(root, entry);
  }

  async get(root: string, entry: string): Promise<string[]> {
    return (await this.store.read()).workspaces[BreakpointStore.key(root, entry)]?.breakpoints ?? [];
  }

  async set(root: string, entry: string, breakpoints: string[]): Promise<string[]> {
    const unique = [...new Set(breakpoints)].sort();
    await this.store.update((file) => {
      const key = BreakpointStore.key(root, entry);
      if (unique.length === 0) delete file.workspaces[key];
      else file.workspaces[key] = { breakpoints: unique, usedAt: new Date().toISOString() };
      const keys = Object.keys(file.workspaces);
      if (keys.length > MAX_WORKSPACES) {
        keys
          .sort((a, b) => file.workspaces[a].usedAt.localeCompare(file.workspaces[b].usedAt))
          .slice(0, keys.length - MAX_WORKSPACES)
          .forEach((k) => delete file.workspaces[k]);
      }
    });
    return unique;
  }
}
