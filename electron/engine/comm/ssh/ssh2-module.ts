/**
 * ssh2, loaded on first use: requiring it (and the crypto it pulls in) costs every `kiln` process
 * ~60 ms at start, and most commands and builds (null, file, local post-processors) never open SSH.
 */
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';

let loaded: typeof Ssh2 | undefined;

export function ssh2(): typeof Ssh2 {
  loaded ??= createRequire(import.meta.url)('ssh2') as typeof Ssh2;
  return loaded;
}
