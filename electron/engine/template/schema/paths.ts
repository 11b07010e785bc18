/**
 * Local paths as Packer's Prepare sees them: relative to the working directory Packer runs in (not the
 * template's folder), `~` expanded for key files, existence checked through the TemplateHost.
 */
import type { TemplateHost } from '../host';

/** A `.` or `..` segment, an empty one (`//`) or a trailing slash: what cleaning changes. */
const UNCLEAN = /(^|\/)\.\.?(\/|$)|\/\/|.\/$/;

/** Joins and cleans POSIX paths like Go's path.Join (`.`/`..` resolved, no trailing slash). */
export function cleanPath(path: string): string {
  // Most paths are clean already (prepare resolves several per component): then nothing to build.
  if (path !== '' && !UNCLEAN.test(path)) return path;
  const absolute = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!absolute) parts.push('..');
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join('/');
  return absolute ? '/' + joined : joined || '.';
}

/** The absolute path a relative one names, against the host's working directory. */
export function resolvePath(host: TemplateHost, path: string): string {
  return cleanPath(path.startsWith('/') ? path : `${host.cwd()}/${path}`);
}

/** pathing.ExpandUser: a leading `~` or `~/` becomes the home directory. */
export function expandUser(host: TemplateHost, path: string): string {
  if (path === '~') return host.homeDir();
  if (path.startsWith('~/')) return cleanPath(`${host.homeDir()}/${path.slice(2)}`);
  return path;
}

/** os.Stat's error for a missing path, as Go prints it (`stat <path>: no such file or directory`). */
export function statError(host: TemplateHost, path: string): string | undefined {
  if (path !== '' && host.stat(resolvePath(host, path)) !== undefined) return undefined;
  return `stat ${path}: no such file or directory`;
}

/** Whether a pattern uses glob characters (Packer globs instead of stat-ing these). */
export function isGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

/** filepath.Match's syntax check: the only error a glob can give is a malformed pattern. */
export function globSyntaxError(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      if (i >= pattern.length) return 'syntax error in pattern';
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      let closed = false;
      let first = true;
      for (; j < pattern.length; j++) {
        if (pattern[j] === ']' && !first) {
          closed = true;
          break;
        }
        if (pattern[j] === '\\') j++;
        first = false;
      }
      if (!closed) return 'syntax error in pattern';
      i = j;
    }
  }
  return undefined;
}
