/**
 * Prints diagnostics for a terminal the way Packer's HCL diagnostic writer does: a severity line, the
 * place with the source lines it covers, and the detail word-wrapped at 80 columns.
 */
import type { Diagnostic } from '../engine/template/source';
import { SourceText } from '../engine/template/source';

/** go-wordwrap's rule: break at spaces so lines stay within `width`; keep existing line breaks; never split a word. */
export function wordWrap(text: string, width = 80): string {
  return text
    .split('\n')
    .map((line) => {
      const words = line.split(' ');
      const out: string[] = [];
      let current = '';
      for (const word of words) {
        if (current === '') current = word;
        else if (current.length + 1 + word.length <= width) current += ` ${word}`;
        else {
          out.push(current);
          current = word;
        }
      }
      out.push(current);
      return out.join('\n');
    })
    .join('\n');
}

export interface SourceLookup {
  /** The text of a file named in a diagnostic, or undefined when it cannot be shown. */
  (file: string): string | undefined;
}

export function formatDiagnostic(d: Diagnostic, lookup: SourceLookup): string {
  const lines: string[] = [];
  lines.push(`${d.severity === 'error' ? 'Error' : 'Warning'}: ${d.summary}`);
  lines.push('');
  if (d.range) {
    const text = lookup(d.range.file);
    if (text === undefined) {
      lines.push(`  on ${d.range.file} line ${d.range.start.line}:`);
      lines.push('  (source code not available)');
    } else {
      const source = new SourceText(d.range.file, text);
      const { start: from, end: to } = d.range;
      lines.push(`  on ${d.range.file} line ${from.line}, column ${from.column}:`);
      // Show the first line of the range, underlined from its start to its end (or the end of that line).
      const content = source.line(from.line);
      const gutter = `  ${String(from.line).padStart(3)}: `;
      lines.push(`${gutter}${content}`.replace(/\s+$/, ''));
      const stop = to.line === from.line ? to.column : content.length + 1;
      lines.push(
        `${' '.repeat(gutter.length + from.column - 1)}${'^'.repeat(Math.max(1, stop - from.column))}`,
      );
    }
    lines.push('');
  }
  if (d.detail) {
    lines.push(wordWrap(d.detail));
    lines.push('');
  }
  return lines.join('\n') + '\n';
}
