/** Version constraints as hashicorp/go-version reads them: `>= 1.7.0`, `~> 1.2`, `= 1.1.4, != 1.1.5`. */
export interface VersionCheck {
  ok: boolean;
  /** Set when the constraint text is malformed. */
  error?: string;
}

function parseVersion(text: string): number[] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(text.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

export function checkVersionConstraint(constraint: string, version: string): VersionCheck {
  const actual = parseVersion(version);
  if (!actual) return { ok: false, error: `Malformed version: ${version}` };
  for (const raw of constraint.split(',')) {
    const m = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$/.exec(raw);
    const target = m ? parseVersion(m[2]) : undefined;
    if (!m || !target) return { ok: false, error: `Malformed constraint: ${raw.trim()}` };
    const op = m[1] ?? '=';
    const c = compare(actual, target);
    let ok: boolean;
    switch (op) {
      case '=':
        ok = c === 0;
        break;
      case '!=':
        ok = c !== 0;
        break;
      case '>':
        ok = c > 0;
        break;
      case '<':
        ok = c < 0;
        break;
      case '>=':
        ok = c >= 0;
        break;
      case '<=':
        ok = c <= 0;
        break;
      default: {
        // ~> x.y allows >= x.y and < (x+1); ~> x.y.z allows >= x.y.z and < x.(y+1).
        const segments = m[2].replace(/^v/, '').split(/[-+]/)[0].split('.').length;
        const upper = segments >= 3 ? [target[0], target[1] + 1, 0] : [target[0] + 1, 0, 0];
        ok = c >= 0 && compare(actual, upper) < 0;
      }
    }
    if (!ok) return { ok: false };
  }
  return { ok: true };
}
