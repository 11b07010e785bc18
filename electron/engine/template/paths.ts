/** POSIX path helpers for the isomorphic template module (Packer normalises Windows separators to `/`). */

export function joinPath(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  return normalizePath(joined);
}

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/');
}

/** Cleans a path like Go's path.Clean: collapses `//`, `.` and `..`; keeps it relative if it was. */
export function normalizePath(p: string): string {
  if (p === '') return '.';
  const absolute = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else out.push(part);
  }
  const body = out.join('/');
  return absolute ? `/${body}` : body || '.';
}

export function resolvePath(base: string, p: string): string {
  return isAbsolutePath(p) ? normalizePath(p) : normalizePath(`${base}/${p}`);
}

export function dirName(p: string): string {
  const clean = normalizePath(p);
  const i = clean.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return clean.slice(0, i);
}

export function baseName(p: string): string {
  const clean = normalizePath(p);
  if (clean === '/') return '/';
  const i = clean.lastIndexOf('/');
  return i < 0 ? clean : clean.slice(i + 1);
}
