/**
 * The fake region from a shell: `node scripts/fake-maas-region.mjs [options]`. Prints its URL and an
 * admin API key, logs each request, and runs until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import type { FaultKind, FaultSpec } from './faults';
import type { MaasVersionProfile } from './model';
import { startFakeRegion } from './server';

const HELP = `Usage: node scripts/fake-maas-region.mjs [options]

A fake MAAS region (REST API 2.0 boot resources) for trying Kiln's uploader by hand.

Options:
  --port N              listen on N (default: a free port)
  --host H              listen on H (default 127.0.0.1)
  --version V           behave like MAAS 3.4, 3.7 (3.5–3.7, default) or master
  --api-key KEY         the admin key to accept (default: a random one, printed)
  --arch A              a usable architecture (repeatable; default amd64/generic)
  --regions N           region controllers (default 1)
  --sync-delay MS       time other regions take to copy a finished file
  --storage DIR         keep uploaded files in DIR (default: a temporary directory, removed on exit)
  --no-proxy            no nginx in front: no 10 MiB body limit
  --fault KIND[:K=V,...]
                        inject a fault (repeatable), e.g. --fault reset-after-commit:nth=3
                        --fault conflict:retryAfterSeconds=5 --fault slow:final=true,delayMs=20000
                        kinds: reset-before-commit reset-after-commit conflict slow gateway-timeout
                        corrupt status expire-timestamp
  --quiet               do not log requests
  -h, --help`;

const KINDS: FaultKind[] = [
  'reset-before-commit',
  'reset-after-commit',
  'conflict',
  'slow',
  'gateway-timeout',
  'corrupt',
  'status',
  'expire-timestamp',
];

export function parseFault(text: string): FaultSpec {
  const [kind, rest] = text.split(/:(.*)/s, 2);
  if (!KINDS.includes(kind as FaultKind))
    throw new Error(`unknown fault "${kind}" (kinds: ${KINDS.join(', ')})`);
  const spec: FaultSpec = { kind: kind as FaultKind, match: {} };
  for (const pair of (rest ?? '').split(',').filter(Boolean)) {
    const [key, value] = pair.split('=', 2);
    const number = Number(value);
    switch (key) {
      case 'nth':
      case 'minOffset':
        spec.match = { ...spec.match, [key]: number };
        break;
      case 'final':
        spec.match = { ...spec.match, final: value === 'true' };
        break;
      case 'method':
      case 'path':
        spec.match = { ...spec.match, [key]: value };
        break;
      case 'times':
      case 'retryAfterSeconds':
      case 'delayMs':
      case 'commitDelayMs':
      case 'status':
      case 'skewSeconds':
        (spec as unknown as Record<string, number>)[key] = number;
        break;
      case 'midBody':
        spec.midBody = value === 'true';
        break;
      case 'body':
        spec.body = value;
        break;
      default:
        throw new Error(`unknown fault option "${key}"`);
    }
  }
  return spec;
}

export async function runFakeRegionCli(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        version: { type: 'string' },
        'api-key': { type: 'string' },
        arch: { type: 'string', multiple: true },
        regions: { type: 'string' },
        'sync-delay': { type: 'string' },
        storage: { type: 'string' },
        'no-proxy': { type: 'boolean' },
        fault: { type: 'string', multiple: true },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}\n`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const version = (values.version ?? '3.7') as MaasVersionProfile;
  if (!['3.4', '3.7', 'master'].includes(version)) {
    process.stderr.write(`--version: one of 3.4, 3.7, master\n`);
    return 1;
  }
  let faults: FaultSpec[];
  try {
    faults = (values.fault ?? []).map(parseFault);
  } catch (err) {
    process.stderr.write(`--fault: ${(err as Error).message}\n`);
    return 1;
  }
  const region = await startFakeRegion({
    version,
    port: values.port ? Number(values.port) : 0,
    host: values.host,
    apiKey: values['api-key'],
    usableArchitectures: values.arch,
    regions: values.regions ? Number(values.regions) : undefined,
    syncDelayMs: values['sync-delay'] ? Number(values['sync-delay']) : undefined,
    storageDir: values.storage,
    proxy: !values['no-proxy'],
    log: values.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  for (const fault of faults) region.faults.inject(fault);
  process.stdout.write(
    `Fake MAAS ${version} region at ${region.url}\nAdmin API key: ${region.apiKey}\nNon-admin API key: ${region.userApiKey}\nFiles in: ${region.storageDir}\n\n` +
      `Try: KILN_MAAS_URL=${region.url} KILN_MAAS_API_KEY=${region.apiKey} npx kiln maas list\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await region.close();
  return 0;
}
