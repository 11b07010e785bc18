import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeHost } from '../../engine/node-host';
import { validateTemplate } from '../../engine/template/validate';
import { galleryDir } from '../paths';
import { listGallery } from './gallery';

describe('the gallery in templates/', () => {
  it('offers every folder with a title and a description', async () => {
    const listed = await listGallery(galleryDir());
    const folders = readdirSync(galleryDir(), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(listed.map((t) => t.id).sort()).toEqual(folders.sort());
    for (const t of listed) {
      expect(t.title, t.id).not.toBe(t.id);
      expect(t.description.length, t.id).toBeGreaterThan(40);
    }
  });

  it('holds templates that kiln validate finds valid, with every variable file', async () => {
    for (const t of await listGallery(galleryDir())) {
      const dir = join(galleryDir(), t.id);
      const varFiles = t.files.filter((f) => /\.pkrvars\.hcl$/.test(f) && !/\.auto\./.test(f));
      for (const vars of [[], varFiles]) {
        const result = validateTemplate(
          '.',
          { vars: [], varFiles: vars, collectAll: true },
          nodeHost({ cwd: dir, env: {} }),
        );
        expect(result.diagnostics, `${t.id} with ${vars.join(', ') || 'no var files'}`).toEqual([]);
      }
    }
  });
});
