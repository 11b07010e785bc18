/**
 * The starter templates offered on the start screen: each folder of `templates/` is one. Its title and
 * description come from the first heading and paragraph of its README.md, so any folder dropped there
 * (including ones other tools write) shows up without a registry to update.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../api/errors';
import type { GalleryTemplate } from '../../api/types';
import { isDocumentFile } from './tree';

export async function listGallery(galleryDir: string): Promise<GalleryTemplate[]> {
  const dirents = await fs.readdir(galleryDir, { withFileTypes: true }).catch(() => []);
  const out: GalleryTemplate[] = [];
  for (const d of dirents.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!d.isDirectory() || d.name.startsWith('.')) continue;
    const dir = join(galleryDir, d.name);
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const files = names.filter((n) => isDocumentFile(n) || /\.json$/.test(n)).sort();
    if (files.length === 0) continue;
    const readme = await fs.readFile(join(dir, 'README.md'), 'utf8').catch(() => '');
    const { title, description } = describeReadme(readme, d.name);
    out.push({ id: d.name, title, description, files });
  }
  return out;
}

/** The first `# ` heading and the first paragraph after it. */
export function describeReadme(
  readme: string,
  fallbackTitle: string,
): { title: string; description: string } {
  const lines = readme.split(/\r?\n/);
  let title = fallbackTitle;
  let i = lines.findIndex((l) => /^#\s+/.test(l));
  if (i >= 0) title = lines[i].replace(/^#\s+/, '').trim();
  else i = -1;
  const paragraph: string[] = [];
  for (let j = i + 1; j < lines.length; j++) {
    const line = lines[j].trim();
    if (!line) {
      if (paragraph.length) break;
      continue;
    }
    if (/^#/.test(line) || /^```/.test(line)) {
      if (paragraph.length) break;
      continue;
    }
    paragraph.push(line);
  }
  // Plain text for the start screen: inline code marks and emphasis dropped.
  return { title, description: paragraph.join(' ').replace(/[`*_]/g, '') };
}

/** Copies a gallery template into a new folder; refuses to write into anything that already has files. */
export async function copyGalleryTemplate(
  galleryDir: string,
  templateId: string,
  destination: string,
): Promise<void> {
  const source = join(galleryDir, templateId);
  const st = await fs.stat(source).catch(() => undefined);
  if (!st?.isDirectory()) throw new ApiError('not-found', `no gallery template named ${templateId}`);
  const existing = await fs.readdir(destination).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    if (err.code === 'ENOTDIR') throw new ApiError('exists', `${destination} is a file`);
    throw new ApiError('io', `${destination}: ${err.message}`);
  });
  if (existing.length > 0) throw new ApiError('exists', `${destination} already exists and is not empty`);
  try {
    await fs.mkdir(destination, { recursive: true });
    await fs.cp(source, destination, { recursive: true, errorOnExist: true, force: false });
  } catch (err) {
    throw new ApiError('io', `copying ${templateId} to ${destination}: ${(err as Error).message}`);
  }
}
