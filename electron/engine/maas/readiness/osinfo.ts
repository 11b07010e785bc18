/** Which OS an image holds, from /etc/os-release (or /usr/lib/os-release), and its MAAS family. */
import type { ImageView } from './view';

export type OsFamily = 'ubuntu' | 'debian' | 'rhel' | 'suse' | 'other';

export interface OsInfo {
  id: string;
  idLike: string[];
  versionId: string;
  codename: string;
  prettyName: string;
  family: OsFamily;
}

/** Distros curtin has built-in support for (curtin's DISTRO_NAMES and their families). */
export const CURTIN_KNOWS = new Set([
  'ubuntu',
  'debian',
  'centos',
  'rhel',
  'redhat',
  'rocky',
  'almalinux',
  'ol',
  'fedora',
  'sles',
  'suse',
  'opensuse',
  'opensuse-leap',
  'opensuse-tumbleweed',
  'mariner',
]);

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2].trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))
      value = value.slice(1, -1);
    out[m[1]] = value.replace(/\\(["$`\\])/g, '$1');
  }
  return out;
}

export function familyOf(id: string, idLike: string[]): OsFamily {
  const all = [id, ...idLike];
  if (all.includes('ubuntu')) return 'ubuntu';
  if (all.includes('debian')) return 'debian';
  if (
    all.some((x) =>
      [
        'rhel',
        'centos',
        'fedora',
        'redhat',
        'rocky',
        'almalinux',
        'ol',
        'mariner',
        'azurelinux',
        'openEuler',
        'openeuler',
      ].includes(x),
    )
  )
    return 'rhel';
  if (all.some((x) => x === 'suse' || x.startsWith('opensuse') || x === 'sles')) return 'suse';
  return 'other';
}

export async function readOsInfo(view: ImageView): Promise<OsInfo | undefined> {
  const raw = (await view.read('/etc/os-release')) ?? (await view.read('/usr/lib/os-release'));
  if (!raw) return undefined;
  const fields = parseOsRelease(raw.toString('utf8'));
  const id = fields.ID ?? 'linux';
  const idLike = (fields.ID_LIKE ?? '').split(/\s+/).filter(Boolean);
  return {
    id,
    idLike,
    versionId: fields.VERSION_ID ?? '',
    codename: fields.VERSION_CODENAME ?? fields.UBUNTU_CODENAME ?? '',
    prettyName: fields.PRETTY_NAME ?? fields.NAME ?? id,
    family: familyOf(id, idLike),
  };
}

/** The base_image MAAS should deploy this OS with (its family's OS at the same major version). */
export function suggestedBaseImage(os: OsInfo): string | undefined {
  const major = os.versionId.split('.')[0];
  if (os.family === 'ubuntu' && os.id === 'ubuntu' && os.codename) return `ubuntu/${os.codename}`;
  if (os.family === 'rhel') {
    if (os.id === 'centos' && major) return `centos/${major}`;
    if (os.id === 'ol' && major) return `ol/${major}`;
    if (os.id === 'fedora') return 'rhel/9';
    if (os.id === 'mariner' || os.id === 'azurelinux') return 'rhel/8';
    if (major && Number(major) >= 7 && Number(major) <= 10) return `rhel/${major}`;
    return 'rhel/9';
  }
  return undefined;
}
