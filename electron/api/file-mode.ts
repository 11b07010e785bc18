/** A file's type and permission bits as `ls -l` shows them, for FileEntry (the CLI and the app's image inspector). */
const TYPE_CHAR: Record<string, string> = {
  file: '-',
  dir: 'd',
  symlink: 'l',
  hardlink: 'h',
  char: 'c',
  block: 'b',
  fifo: 'p',
  socket: 's',
  other: '?',
};

/** `ls -l` style mode: type, rwx with setuid/setgid/sticky. */
export function modeString(type: string, perm: number): string {
  const rwx = (bits: number, special: boolean, ch: string) =>
    `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${special ? (bits & 1 ? ch : ch.toUpperCase()) : bits & 1 ? 'x' : '-'}`;
  return `${TYPE_CHAR[type] ?? '?'}${rwx(perm >> 6, Boolean(perm & 0o4000), 's')}${rwx(perm >> 3, Boolean(perm & 0o2000), 's')}${rwx(perm, Boolean(perm & 0o1000), 't')}`;
}

/** A modification time (seconds since the epoch) as `YYYY-MM-DD HH:MM` UTC, `?` when out of range. */
export function formatMtime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? '?' : d.toISOString().slice(0, 16).replace('T', ' ');
}
