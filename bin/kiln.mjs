#!/usr/bin/env node
// The `kiln` command. Runs the bundled CLI, rebuilding it first when a source is newer than the bundle,
// so `npx kiln` works straight after `npm ci` and after every edit, with no build step by hand.
//
// Start-up is most of a short command's time, so: the staleness check stats only the files the last
// build read (scripts/sources.mjs), and the bundle is compiled with V8's code cache (the build warms it
// on real commands; a missing or rejected cache is rewritten after the run). See
// docs/template-performance.md.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script, constants as vmConstants } from 'node:vm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist/cli.cjs');
const cacheFile = `${bundle}.cache`;

/**
 * True when the bundle or its stamp (scripts/sources.mjs) is missing, or a file the build read is gone or
 * was modified since the build began. Optional build files (no lockfile yet) may be absent.
 */
function isStale() {
  if (!statSync(bundle, { throwIfNoEntry: false })) return true;
  // An installed copy without sources runs its bundle as is.
  if (!statSync(join(root, 'electron'), { throwIfNoEntry: false })) return false;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, 'dist/cli.stamp.json'), 'utf8'));
  } catch {
    return true;
  }
  if (typeof stamp?.builtAt !== 'number' || !Array.isArray(stamp.files) || !Array.isArray(stamp.optional))
    return true;
  for (const file of stamp.files) {
    // Concatenated, not path.join: 130 joins cost more than 130 stats.
    const stat = statSync(`${root}/${file}`, { throwIfNoEntry: false });
    if (stat ? stat.mtimeMs >= stamp.builtAt : !stamp.optional.includes(file)) return true;
  }
  return false;
}
if (process.env.KILN_NO_REBUILD !== '1' && isStale()) {
  const { buildNode } = await import('../scripts/build.mjs');
  await buildNode('cli');
}

/** Identifies the bundle a cache belongs to (V8 itself checks its version and flags, and the source's length). */
function cacheKey() {
  const { size, mtimeMs } = statSync(bundle);
  return `${process.version} ${process.arch} ${size} ${mtimeMs}\n`;
}

function readCache(key) {
  try {
    const data = readFileSync(cacheFile);
    const head = data.subarray(0, key.length).toString('latin1');
    return head === key ? data.subarray(key.length) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(key, script) {
  try {
    const tmp = `${cacheFile}.${process.pid}`;
    writeFileSync(tmp, Buffer.concat([Buffer.from(key, 'latin1'), script.createCachedData()]));
    renameSync(tmp, cacheFile);
  } catch {
    // A read-only install: run without a cache.
  }
}

/** Loads the CommonJS bundle as Node's require would, but compiled with the code cache. */
function loadBundle() {
  const key = cacheKey();
  const cachedData = readCache(key);
  // esbuild writes ASCII only, so latin1 reads it exactly (and faster than UTF-8).
  const source = readFileSync(bundle, 'latin1');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
    filename: bundle,
    cachedData,
    importModuleDynamically: vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} };
  script
    .runInThisContext()
    .call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const needsCache = cachedData === undefined || script.cachedDataRejected === true;
  return { cli: module.exports, save: needsCache ? () => writeCache(key, script) : undefined, script, key };
}

const { cli, save, script, key } = loadBundle();

const warmup = process.env.KILN_CODE_CACHE_WARMUP;
if (warmup) {
  // The build's warm-up: run these commands silently, then save the cache of everything they compiled.
  const quiet = { write() {} };
  for (const argv of JSON.parse(warmup)) {
    const io = {
      stdout: quiet,
      stderr: quiet,
      stdin: process.stdin,
      env: process.env,
      cwd: process.cwd(),
      signal: new AbortController().signal,
    };
    await cli.main(argv, io).catch(() => 1);
  }
  writeCache(key, script);
} else {
  cli.main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      save?.();
    },
    (err) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 1;
    },
  );
}
