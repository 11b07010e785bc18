#!/usr/bin/env node
// The `kiln` command. Runs the bundled CLI, rebuilding it first when a source is newer than the bundle,
// so `npx kiln` works straight after `npm ci` and after every edit, with no build step by hand.
//
// Start-up is most of a short command's time (docs/template-performance.md), so this file is CommonJS
// (an ES module entry costs Node ~8 ms more to start), the staleness check stats only the files the last
// build read (scripts/sources.mjs), the template commands run from a bundle that holds only them, and
// each bundle is compiled with V8's code cache (the build warms it on real commands; a missing or
// rejected cache is rewritten after the run).
'use strict';
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS entry, on purpose */
const { readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { Script, constants: vmConstants } = require('node:vm');

const root = join(__dirname, '..');
/** Commands the small bundle serves (electron/cli/commands/template.ts; a test keeps both lists equal). */
const TEMPLATE_COMMANDS = ['version', 'validate', 'inspect', 'console', 'fmt', 'hcl2_upgrade', 'init'];
const BUNDLES = { full: 'dist/cli.cjs', template: 'dist/cli-template.cjs' };

/** Which bundle runs `argv`: KILN_BUNDLE forces one (the build's warm-up, tests). */
function bundleFor(argv) {
  const forced = process.env.KILN_BUNDLE;
  if (forced === 'full' || forced === 'template') return forced;
  return TEMPLATE_COMMANDS.includes(argv[0]) ? 'template' : 'full';
}

/**
 * True when the bundle or its stamp (scripts/sources.mjs) is missing, or a file the build read is gone or
 * was modified since the build began. Optional build files (no lockfile yet) may be absent.
 */
function isStale(bundle) {
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

/** Identifies the bundle a cache belongs to (V8 itself checks its version and flags, and the source's length). */
function cacheKey(bundle) {
  const { size, mtimeMs } = statSync(bundle);
  return `${process.version} ${process.arch} ${size} ${mtimeMs}\n`;
}

function readCache(cacheFile, key) {
  try {
    const data = readFileSync(cacheFile);
    const head = data.subarray(0, key.length).toString('latin1');
    return head === key ? data.subarray(key.length) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(cacheFile, key, script) {
  try {
    const tmp = `${cacheFile}.${process.pid}`;
    writeFileSync(tmp, Buffer.concat([Buffer.from(key, 'latin1'), script.createCachedData()]));
    renameSync(tmp, cacheFile);
  } catch {
    // A read-only install: run without a cache.
  }
}

/**
 * V8 accepts a cache only under the flags it was made with: a run under other flags (--cpu-prof,
 * NODE_OPTIONS=--inspect) would replace the good cache with one every normal run rejects.
 */
const plainNode = process.execArgv.length === 0 && !process.env.NODE_OPTIONS;

/** Loads a CommonJS bundle as Node's require would, but compiled with its code cache. */
function loadBundle(bundle) {
  const cacheFile = `${bundle}.cache`;
  const key = cacheKey(bundle);
  const cachedData = readCache(cacheFile, key);
  // esbuild writes ASCII only, so latin1 reads it exactly (and faster than UTF-8).
  const source = readFileSync(bundle, 'latin1');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
    filename: bundle,
    cachedData,
    importModuleDynamically: vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, bundle, dirname(bundle));
  const needsCache = plainNode && (cachedData === undefined || script.cachedDataRejected === true);
  return {
    cli: mod.exports,
    save: () => writeCache(cacheFile, key, script),
    needsCache,
  };
}

async function run() {
  const argv = process.argv.slice(2);
  let bundle = join(root, BUNDLES[bundleFor(argv)]);
  if (process.env.KILN_NO_REBUILD !== '1' && isStale(bundle)) {
    const { buildNode } = await import('../scripts/build.mjs');
    await buildNode('cli');
  }
  // A copy built before the small bundle existed (or without sources to build it): the full one serves all.
  if (!statSync(bundle, { throwIfNoEntry: false })) bundle = join(root, BUNDLES.full);
  const { cli, save, needsCache } = loadBundle(bundle);

  const warmup = process.env.KILN_CODE_CACHE_WARMUP;
  if (warmup) {
    // The build's warm-up: run these commands silently, then save the cache of everything they compiled.
    const quiet = { write() {} };
    for (const args of JSON.parse(warmup)) {
      const io = {
        stdout: quiet,
        stderr: quiet,
        stdin: process.stdin,
        env: process.env,
        cwd: process.cwd(),
        signal: new AbortController().signal,
      };
      await cli.main(args, io).catch(() => 1);
    }
    save();
    return;
  }
  process.exitCode = await cli.main(argv);
  if (needsCache) save();
}

run().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
