/**
 * Positions, ranges and diagnostics: what every part of the template module reports with.
 * Lines and columns count from 1; a column counts UTF-16 code units (what Monaco and the CLI show);
 * an offset counts UTF-16 code units from the start of the file, from 0.
 */

export interface Pos {
  line: number;
  column: number;
  offset: number;
}

export interface Range {
  /** The file as the user named it (relative paths stay relative). */
  file: string;
  start: Pos;
  /** Exclusive end. */
  end: Pos;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** One line, e.g. `Unsupported argument`. */
  summary: string;
  /** The explanation, naming the key or value at fault; may span lines. */
  detail: string;
  /** Where the problem is; absent only when no place in a file is at fault. */
  range?: Range;
}

/** Maps offsets of one file's text to line/column positions. */
export class SourceText {
  /** Made on first use: a parse that reports nothing never needs it (the parser shares it, see lineStartOffsets). */
  private starts: Uint32Array | undefined;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  private get lineStarts(): Uint32Array {
    if (this.starts === undefined) {
      // Counted first, then filled: one typed array (kept off the JS heap) instead of a growing list.
      const text = this.text;
      let lines = 1;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
      const starts = new Uint32Array(lines);
      let line = 1;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[line++] = i + 1;
      this.starts = starts;
    }
    return this.starts;
  }

  /** The offset where each line starts (line 1 first), ascending; shared, never change it. */
  lineStartOffsets(): ArrayLike<number> {
    return this.lineStarts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  pos(offset: number): Pos {
    const lineStarts = this.lineStarts;
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: clamped - lineStarts[lo] + 1, offset: clamped };
  }

  range(startOffset: number, endOffset: number): Range {
    return { file: this.file, start: this.pos(startOffset), end: this.pos(endOffset) };
  }

  /** The text of a 1-based line, without its line break. */
  line(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return '';
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }
}

export function error(summary: string, detail: string, range?: Range): Diagnostic {
  return range ? { severity: 'error', summary, detail, range } : { severity: 'error', summary, detail };
}

export function warning(summary: string, detail: string, range?: Range): Diagnostic {
  return range ? { severity: 'warning', summary, detail, range } : { severity: 'warning', summary, detail };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Formats a range as Packer does in messages: `file:line,col-col` or `file:line,col-line,col`. */
export function formatRange(r: Range): string {
  if (r.start.line === r.end.line) return `${r.file}:${r.start.line},${r.start.column}-${r.end.column}`;
  return `${r.file}:${r.start.line},${r.start.column}-${r.end.line},${r.end.column}`;
}
