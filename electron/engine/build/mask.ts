/**
 * Masks sensitive values in text before it leaves the engine, as Packer's LogSecretFilter does:
 * every occurrence of a secret becomes `<sensitive>`. Secrets come from the template (sensitive
 * variables) and from the engine itself (SSH passwords, private keys) as they become known.
 */
export const MASK = '<sensitive>';

export class Masker {
  private secrets: string[] = [];

  constructor(initial: Iterable<string> = []) {
    for (const s of initial) this.add(s);
  }

  /** Adds a secret. A multi-line secret (a PEM key) is also masked line by line, since logs come in lines. */
  add(secret: string | undefined): void {
    if (!secret) return;
    const candidates = [secret];
    if (secret.includes('\n')) {
      for (const line of secret.split(/\r?\n/)) {
        // Short lines (PEM armour, blank lines) are not secret and would mask ordinary text.
        if (line.trim().length >= 16 && !/^-----(BEGIN|END) /.test(line.trim())) candidates.push(line.trim());
      }
    }
    for (const c of candidates) {
      if (!this.secrets.includes(c)) this.secrets.push(c);
    }
    // Longest first, so a secret containing another is masked whole.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.secrets.length;
  }

  /** Whether the character at `index` (UTF-16 offset) belongs to a secret, for text shown piece by piece. */
  covers(text: string, index: number): boolean {
    for (const s of this.secrets) {
      let from = Math.max(0, index - s.length + 1);
      for (;;) {
        const found = text.indexOf(s, from);
        if (found < 0 || found > index) break;
        if (index < found + s.length) return true;
        from = found + 1;
      }
    }
    return false;
  }

  mask(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.split(s).join(MASK);
    }
    return out;
  }
}
