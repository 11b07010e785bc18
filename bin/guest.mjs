#!/usr/bin/env node
// `npm run guest`: builds Kiln's test guests (or finds them in the cache) and prints their paths.
import { tsImport } from 'tsx/esm/api';

const { ensureGuest, guestUnavailableReason } = await tsImport(
  '../resources/guest/guest.ts',
  import.meta.url,
);
const reason = guestUnavailableReason();
if (reason) {
  console.error(`guest: ${reason}`);
  process.exit(1);
}
const controller = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => controller.abort(new Error(`interrupted (${sig})`)));
try {
  const guest = await ensureGuest({ signal: controller.signal, log: (line) => console.error(line) });
  console.log(`disk     ${guest.disk}`);
  console.log(`live ISO ${guest.liveIso}`);
  console.log(`kernel   ${guest.manifest.kernel}`);
  console.log(guest.built ? 'built now' : 'from the cache (the recipe has not changed)');
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
