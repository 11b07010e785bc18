#!/usr/bin/env node
// `npm start`: opens Kiln in Electron when its binary is installed; otherwise says so and serves the
// same UI from the web host on a loopback URL (printed, with its access token).
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  const pkgDir = join(root, 'node_modules/electron');
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

const binary = process.env.KILN_WEB === '1' ? undefined : electronBinary();
if (binary) {
  const child = spawn(binary, [join(root, 'dist/electron/main.cjs'), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
} else {
  if (process.env.KILN_WEB !== '1') {
    console.log(
      "Electron's binary is not installed (npm skipped its install script), so Kiln runs in your browser instead.\n" +
        'To get the desktop app: npm install-scripts approve electron && npm rebuild electron\n',
    );
  }
  const { startHost } = require(join(root, 'dist/host.cjs'));
  await startHost({ port: Number(process.env.KILN_PORT ?? 0), announce: true });
}
