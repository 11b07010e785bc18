#!/usr/bin/env node
// The former entry, kept for scripts that name it: bin/kiln.cjs is the command (a CommonJS entry
// starts faster than an ES module).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./kiln.cjs');
