/**
 * The Kiln side of bench/qemu.bench.ts: builds a template with Kiln's engine in its own process (as
 * `kiln build` would; bundled by esbuild like the CLI) and prints Packer-style lines, so the benchmark
 * times both tools the same way.
 *
 *   node <bundle of this file> TEMPLATE [-var name=value]...
 */
import { dirname } from 'node:path';
import { formatEvent, runTemplate } from '../electron/engine/builders/qemu/testing/harness';

const [template, ...rest] = process.argv.slice(2);
const vars: Record<string, string> = {};
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '-var') {
    const [name, ...value] = rest[++i].split('=');
    vars[name] = value.join('=');
  }
}
async function main(): Promise<number> {
  const run = await runTemplate(template, {
    cwd: process.cwd() || dirname(template),
    vars,
    onEvent: (event) => {
      const line = formatEvent(event);
      if (line !== undefined) process.stdout.write(`${line}\n`);
      // The guest's console, for timelines (KILN_BENCH_CONSOLE=1).
      if (event.type === 'console' && process.env.KILN_BENCH_CONSOLE === '1') {
        for (const text of Buffer.from(event.data).toString('latin1').split(/\r?\n/)) {
          if (text.trim()) process.stdout.write(`console: ${text.trim()}\n`);
        }
      }
    },
  });
  return run.result.results.every((r) => r.status === 'succeeded') ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
