/**
 * The artifice post-processor: replaces the artifact with the files named (Go globs), for the
 * post-processors after it. It never deletes the files it drops from the artifact.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Artifact, ComponentContext, PostProcessor, PostProcessResult } from '../build/components';
import { FilesArtifact } from './checksum';

export const ARTIFICE_BUILDER_ID = 'packer.post-processor.artifice';

export interface ArtificeConfig {
  files?: string[];
}

/** Go's filepath.Match for one path segment: `*`, `?`, `[...]` (with `^` negation), `\` escapes. */
function segmentRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error('syntax error in pattern');
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^')) body = '^' + body.slice(1).replace(/\\/g, '\\\\');
      else body = body.replace(/\\/g, '\\\\');
      re += `[${body}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length)
      re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Go's filepath.Glob, relative to `cwd`, results spelled like the pattern (sorted per directory). */
export function goGlob(pattern: string, cwd: string): string[] {
  if (!/[*?[]/.test(pattern)) return existsSync(resolve(cwd, pattern)) ? [pattern] : [];
  const parts = pattern.split('/');
  let matches: string[] = [isAbsolute(pattern) ? '/' : ''];
  if (isAbsolute(pattern)) parts.shift();
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    const next: string[] = [];
    for (const base of matches) {
      const dir = resolve(cwd, base || '.');
      if (!/[*?[]/.test(part)) {
        const candidate = base ? join(base, part) : part;
        if (existsSync(resolve(cwd, candidate))) next.push(candidate);
        continue;
      }
      let entries: string[];
      try {
        if (!statSync(dir).isDirectory()) continue;
        entries = readdirSync(dir).sort();
      } catch {
        continue;
      }
      const re = segmentRegex(part);
      for (const e of entries) {
        if (!re.test(e)) continue;
        const candidate = base ? (base === '/' ? `/${e}` : `${base}/${e}`) : e;
        if (!last && !statSync(resolve(cwd, candidate)).isDirectory()) continue;
        next.push(candidate);
      }
    }
    matches = next;
  }
  return matches;
}

export class ArtificePostProcessor implements PostProcessor {
  constructor(private readonly config: ArtificeConfig) {
    if (!config.files || config.files.length === 0)
      throw new Error('No files specified in artifice configuration');
  }

  async postProcess(ctx: ComponentContext, input: Artifact): Promise<PostProcessResult> {
    const { ui, build } = ctx;
    if (input.files.length > 0) ui.say(`Discarding files from artifact: ${input.files.join(', ')}`);
    const files = (this.config.files ?? []).flatMap((f) => goGlob(f, build.cwd));
    ui.say(`Using these artifact files: ${files.join(', ')}`);
    return {
      artifact: new FilesArtifact(ARTIFICE_BUILDER_ID, files, build.cwd),
      keep: true,
      forceOverride: false,
    };
  }
}
