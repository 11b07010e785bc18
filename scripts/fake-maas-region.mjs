#!/usr/bin/env node
// A fake MAAS region for trying `kiln maas ...` by hand (the same one the tests use).
// Usage: node scripts/fake-maas-region.mjs --help
import { tsImport } from 'tsx/esm/api';

const { runFakeRegionCli } = await tsImport('../electron/engine/maas/fake-region/cli.ts', import.meta.url);
process.exitCode = await runFakeRegionCli(process.argv.slice(2));
