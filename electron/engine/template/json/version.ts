/** hashicorp/go-version as Packer uses it for min_packer_version: parsing, String() and ordering. */

export interface GoVersion {
  segments: number[];
  pre: string;
  metadata: string;
  /** go-version's String(): segments padded to three, then `-pre` and `+metadata`. */
  text: string;
}

const VERSION_RE =
  /^v?([0-9]+(\.[0-9]+)*?)(-([0-9]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)|(-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)))?(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))?$/;

export function parseGoVersion(v: string): GoVersion | { error: string } {
  const m = VERSION_RE.exec(v);
  if (!m) return { error: `Malformed version: ${v}` };
  const segments = m[1].split('.').map(Number);
  if (segments.some((s) => !Number.isSafeInteger(s))) return { error: `Error parsing version: ${v}` };
  while (segments.length < 3) segments.push(0);
  const pre = m[7] ?? m[4] ?? '';
  const metadata = m[10] ?? '';
  const text = segments.join('.') + (pre ? `-${pre}` : '') + (metadata ? `+${metadata}` : '');
  return { segments, pre, metadata, text };
}

function comparePart(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** go-version's Compare: segments, then a prerelease sorts before the release. */
export function compareVersions(a: GoVersion, b: GoVersion): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const d = (a.segments[i] ?? 0) - (b.segments[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  const ap = a.pre.split('.');
  const bp = b.pre.split('.');
  for (let i = 0; i < Math.max(ap.length, bp.length); i++) {
    if (ap[i] === undefined) return -1;
    if (bp[i] === undefined) return 1;
    const c = comparePart(ap[i], bp[i]);
    if (c !== 0) return c;
  }
  return 0;
}
