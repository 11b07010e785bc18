/**
 * HCL syntax speed: scanning, parsing and formatting a generated 5,000-line template, warm, beside
 * `packer fmt` on the same file (a whole process, so mostly Packer's start-up: a reference, not a race).
 * Run: `npm run bench -- hcl-syntax` (or `npx tsx bench/hcl-syntax.bench.ts`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatHcl } from '../electron/engine/template/hcl/fmt';
import { lexHcl } from '../electron/engine/template/hcl/lexer';
import { parseHclFile } from '../electron/engine/template/hcl/parser';

const LINES = 5000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = [path.resolve(root, '../shared/corpus'), path.resolve(root, '../../shared/corpus')].find((p) =>
  existsSync(p),
);

function corpusTexts(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...corpusTexts(full));
    else if (name.endsWith('.pkr.hcl')) out.push(readFileSync(full, 'utf8'));
  }
  return out;
}

/** A synthetic template when the corpus is absent: sources, variables and a build with templates. */
function syntheticText(i: number): string {
  return `variable "v${i}" {
  type        = string
  default     = "value-${i}"
  description = "Variable number ${i}"
}

source "qemu" "s${i}" {
  iso_url      = "https://example.invalid/\${var.v${i}}.iso"
  disk_size    = ${i * 1024}
  boot_command = ["<esc><wait>", "linux ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>"]
  qemuargs     = [["-m", "2048"], ["-smp", "2"]]
}

build {
  sources = ["source.qemu.s${i}"]
  provisioner "shell" {
    inline = [for x in range(3) : "echo \${x} %{if x > 1}big%{endif}"]
    environment_vars = { A = upper(var.v${i}), B = var.v${i} == "" ? "empty" : var.v${i} }
  }
}
`;
}

/** Concatenates real templates (each inside a block, so names do not clash) up to `lines` lines. */
function generate(lines: number): string {
  const parts = corpus ? corpusTexts(corpus) : [];
  let text = '';
  for (let i = 0; text.split('\n').length < lines; i++) {
    text += parts.length > 0 ? `part_${i} {\n${parts[i % parts.length]}\n}\n\n` : syntheticText(i);
  }
  return text;
}

function measure(fn: () => void, runs = 50): { min: number; median: number } {
  for (let i = 0; i < 20; i++) fn(); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { min: times[0], median: times[Math.floor(times.length / 2)] };
}

const text = generate(LINES);
const lineCount = text.split('\n').length;
const parsed = parseHclFile('bench.pkr.hcl', text);
if (parsed.diagnostics.length > 0)
  throw new Error(`generated file does not parse: ${parsed.diagnostics[0].summary}`);

const rows: [string, { min: number; median: number }][] = [
  ['scan (lexHcl)', measure(() => lexHcl(text))],
  ['scan + parse (parseHclFile)', measure(() => parseHclFile('bench.pkr.hcl', text))],
  ['format (formatHcl: scan, parse, layout)', measure(() => formatHcl(text, 'bench.pkr.hcl'))],
];

console.log(
  `Input: ${lineCount} lines, ${text.length} characters, ${lexHcl(text).length} tokens (${corpus ? 'corpus' : 'synthetic'})`,
);
console.log(`${'step'.padEnd(42)} ${'min ms'.padStart(8)} ${'median ms'.padStart(10)}`);
for (const [name, t] of rows) {
  console.log(`${name.padEnd(42)} ${t.min.toFixed(2).padStart(8)} ${t.median.toFixed(2).padStart(10)}`);
}

if (existsSync('/usr/bin/packer')) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-fmt-'));
  try {
    const file = path.join(dir, 'bench.pkr.hcl');
    writeFileSync(file, text);
    const packer = measure(() => {
      try {
        execFileSync('/usr/bin/packer', ['fmt', '-check', file], { stdio: 'ignore' });
      } catch {
        // exit 3: the generated file is not in canonical layout, which is fine here
      }
    }, 5);
    const kiln = rows[2][1];
    console.log(
      `${'packer 1.6.6 fmt -check (whole process)'.padEnd(42)} ${packer.min.toFixed(2).padStart(8)} ${packer.median.toFixed(2).padStart(10)}`,
    );
    console.log(
      `formatHcl is ${(packer.median / kiln.median).toFixed(1)}x faster than a packer fmt run (median)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.log('/usr/bin/packer not found: no reference run');
}
