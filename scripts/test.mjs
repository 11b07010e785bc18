// `npm test`: every check, in order of speed: types, lint, format, unit and integration tests, end to end.
// Runs them all even when one fails, then exits non-zero naming the failures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const only = process.argv.slice(2);

const stages = [
  ['types', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
  ['lint', bin('eslint'), ['--max-warnings=0', '.']],
  ['format', bin('prettier'), ['--check', '--log-level=warn', '.']],
  ['build', process.execPath, ['scripts/build.mjs', '--all']],
  ['unit', bin('vitest'), ['run']],
  [
    'e2e',
    bin('playwright'),
    ['test', '-c', 'e2e/playwright.config.ts'],
    () => existsSync(join(root, 'e2e/playwright.config.ts')),
  ],
];

const failed = [];
for (const [name, cmd, args, enabled] of stages) {
  if (only.length && !only.includes(name)) continue;
  if (enabled && !enabled()) {
    console.log(`\n=== ${name}: skipped (not set up)`);
    continue;
  }
  console.log(`\n=== ${name}: ${[cmd.replace(root + '/', ''), ...args].join(' ')}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) failed.push(name);
  console.log(`=== ${name}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${seconds} s`);
}
if (failed.length) {
  console.log(`\nFailed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log('\nAll checks passed.');
