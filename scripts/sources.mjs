// Newest modification time of the engine's TypeScript sources (cheap: no bundler loaded).
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function newestSource(root, dirs = ['electron']) {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
        newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) if (existsSync(join(root, d))) walk(join(root, d));
  return newest;
}
