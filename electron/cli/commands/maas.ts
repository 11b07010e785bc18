/** `kiln maas`: connection profiles, and the custom images (boot resources) of a MAAS region. */
import path from 'node:path';
import { MaasClient, RegionUrlError, normalizeRegionUrl } from '../../engine/maas/api';
import { MaasApiError, MaasConnectionError, MaasError, MaasUploadError } from '../../engine/maas/errors';
import { ApiKeyFormatError, parseApiKey } from '../../engine/maas/oauth';
import {
  FileProfileStore,
  ProfileError,
  defaultProfilesPath,
  resolveConnection,
  validateProfileName,
  type ProfileStore,
} from '../../engine/maas/profiles';
import {
  checkReadiness,
  detectArtifactFiletype,
  type ReadinessReport,
} from '../../engine/maas/readiness/check';
import { newestSet } from '../../engine/maas/resume';
import { MAAS_IMAGE_EXTENSIONS } from '../../engine/template/schema/components/pp-maas-image';
import { MAAS_FILETYPES, onlyFile, type BootResource, type MaasFiletype } from '../../engine/maas/types';
import {
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  uploadBootResource,
} from '../../engine/maas/upload';
import { FlagError, parseInterleavedFlags, type FlagSpec, type FlagValues } from '../flags';
import type { CliIo, Command } from '../io';
import { MAAS_ARTIFACT_USAGE, formatReadiness, maasCheck, maasImage } from './maas-artifacts';
import { UploadProgressPrinter, formatBytes } from './maas-progress';

const USAGE = `Usage: kiln maas <subcommand> [options] [args]

  Talk to a MAAS region: save a connection, list, delete and upload custom images
  (boot resources).

Subcommands:
  login [--default] PROFILE URL API_KEY
      Test the connection and save it as PROFILE. URL is the region's
      http://HOST:5240/MAAS; API_KEY is consumer_key:token_key:token_secret
      ("-" reads it from standard input, keeping it out of the process list).
  logout PROFILE
      Forget a saved profile.
  profiles [--json]
      List saved profiles.
  list [--profile P] [--all] [--json]
      The region's uploaded boot resources (--all: synced ones too).
  delete [--profile P] [--architecture ARCH] ID|NAME
      Delete a boot resource, by ID or by name.
  upload [--profile P | --url URL --api-key KEY] --name NAME --architecture ARCH
         [--title T] [--filetype F] [--base-image OS/SERIES] [--chunk-size N]
         [--no-resume] [--wait-sync] [--skip-readiness-check] [--json] FILE
      Upload FILE (streamed, in chunks, resumable) and check that MAAS holds it
      complete. NAME is custom/NAME (or os/series); ARCH is e.g. amd64/generic;
      F is one of ${MAAS_FILETYPES.join(' ')} (default: from the file
      name, .ddgz or .dd.gz alike, else from its content, else tgz). An
      unfinished upload of the same file is continued. First runs the checks of
      "kiln maas check" and stops, sending nothing, on any error;
      --skip-readiness-check uploads without them.
${MAAS_ARTIFACT_USAGE}

Connection: --url/--api-key, else --profile, else KILN_MAAS_URL and
KILN_MAAS_API_KEY, else KILN_MAAS_PROFILE, else the default profile.
Profiles live in \${XDG_CONFIG_HOME:-~/.config}/kiln/maas-profiles.json (mode 600).`;

const connectionFlags = {
  profile: { kind: 'string' },
  url: { kind: 'string' },
  'api-key': { kind: 'string' },
} satisfies Record<string, FlagSpec>;

class UsageError extends Error {}

/** The names a disk image goes by before its compression extension (`disk.img.gz`, `root.dd.xz`). */
const DISK_STEMS = ['.dd', '.img', '.raw'];

export const maasCommand: Command = {
  name: 'maas',
  synopsis: 'Manages MAAS connections and uploads custom images to a region',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const store = new FileProfileStore(defaultProfilesPath(io.env), (warning) =>
      io.stderr.write(`Warning: ${warning}\n`),
    );
    try {
      switch (sub) {
        case 'login':
          return await login(rest, io, store);
        case 'logout':
          return await logout(rest, io, store);
        case 'profiles':
          return await profiles(rest, io, store);
        case 'list':
          return await list(rest, io, store);
        case 'delete':
          return await remove(rest, io, store);
        case 'upload':
          return await upload(rest, io, store);
        case 'image':
          return await maasImage(rest, io);
        case 'check':
          return await maasCheck(rest, io);
        case undefined:
          io.stderr.write(`${USAGE}\n`);
          return 1;
        default:
          io.stderr.write(`kiln maas: unknown subcommand "${sub}"\n\n${USAGE}\n`);
          return 1;
      }
    } catch (err) {
      if (err instanceof FlagError || err instanceof UsageError) {
        io.stderr.write(`kiln maas ${sub}: ${err.message}\n\n${USAGE}\n`);
        return 1;
      }
      if (io.signal.aborted) {
        io.stderr.write(`kiln maas ${sub}: interrupted\n`);
        return 130;
      }
      io.stderr.write(`kiln maas ${sub}: ${describeError(err)}\n`);
      if (io.env.KILN_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
      return 1;
    }
  },
};

function expectPositional(positional: string[], names: string[]): void {
  if (positional.length < names.length)
    throw new UsageError(`missing ${names.slice(positional.length).join(' ')}`);
  if (positional.length > names.length) {
    throw new UsageError(
      `unexpected argument${positional.length - names.length > 1 ? 's' : ''}: ${positional.slice(names.length).join(' ')}`,
    );
  }
}

async function connect(flags: FlagValues<typeof connectionFlags>, io: CliIo, store: ProfileStore) {
  const resolved = await resolveConnection(
    {
      profile: flags.profile || undefined,
      url: flags.url || undefined,
      apiKey: flags['api-key'] || undefined,
    },
    io.env,
    store,
  );
  return { client: new MaasClient({ url: resolved.url, apiKey: resolved.apiKey }), resolved };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

async function login(args: string[], io: CliIo, store: ProfileStore): Promise<number> {
  const { flags, positional } = parseInterleavedFlags({ default: { kind: 'bool' } }, args);
  expectPositional(positional, ['PROFILE', 'URL', 'API_KEY']);
  const [name, rawUrl, rawKey] = positional;
  validateProfileName(name);
  const url = normalizeRegionUrl(rawUrl);
  const apiKey = (rawKey === '-' ? await readAll(io.stdin) : rawKey).trim();
  parseApiKey(apiKey);
  const client = new MaasClient({ url, apiKey });
  try {
    const { version, user } = await client.testConnection({ signal: io.signal });
    await store.save({ name, url, apiKey }, { makeDefault: flags.default });
    const isDefault = (await store.defaultName()) === name;
    io.stdout.write(
      `Saved profile "${name}": ${url} (MAAS ${version.version}, user ${user.username}${user.is_superuser ? ', administrator' : ''})${isDefault ? ', the default profile' : ''}.\n`,
    );
    if (!user.is_superuser) {
      io.stderr.write(
        `Warning: ${user.username} is not a MAAS administrator; MAAS lets only administrators upload and delete boot resources.\n`,
      );
    }
    return 0;
  } finally {
    client.close();
  }
}

async function logout(args: string[], io: CliIo, store: ProfileStore): Promise<number> {
  const { positional } = parseInterleavedFlags({}, args);
  expectPositional(positional, ['PROFILE']);
  if (!(await store.remove(positional[0]))) {
    io.stderr.write(`kiln maas logout: no profile "${positional[0]}"\n`);
    return 1;
  }
  io.stdout.write(`Removed profile "${positional[0]}".\n`);
  return 0;
}

async function profiles(args: string[], io: CliIo, store: ProfileStore): Promise<number> {
  const { flags, positional } = parseInterleavedFlags({ json: { kind: 'bool' } }, args);
  expectPositional(positional, []);
  const all = await store.list();
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
    return 0;
  }
  if (all.length === 0) {
    io.stdout.write('No saved profiles. Save one with: kiln maas login PROFILE URL API_KEY\n');
    return 0;
  }
  io.stdout.write(
    table(
      ['PROFILE', 'URL', 'DEFAULT'],
      all.map((p) => [p.name, p.url, p.isDefault ? 'yes' : '']),
    ),
  );
  return 0;
}

async function list(args: string[], io: CliIo, store: ProfileStore): Promise<number> {
  const { flags, positional } = parseInterleavedFlags(
    { ...connectionFlags, all: { kind: 'bool' }, json: { kind: 'bool' } },
    args,
  );
  expectPositional(positional, []);
  const { client, resolved } = await connect(flags, io, store);
  try {
    const summaries = await client.listBootResources({
      type: flags.all ? undefined : 'uploaded',
      signal: io.signal,
    });
    const details = await mapLimit(summaries, 4, (r) => client.readBootResource(r.id, { signal: io.signal }));
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(details, null, 2)}\n`);
      return 0;
    }
    if (details.length === 0) {
      io.stdout.write(`No ${flags.all ? '' : 'uploaded '}boot resources on ${resolved.url}.\n`);
      return 0;
    }
    const headings = [
      'ID',
      ...(flags.all ? ['TYPE'] : []),
      'NAME',
      'ARCHITECTURE',
      'TITLE',
      'BASE IMAGE',
      'SIZE',
      'STATUS',
      'SET',
    ];
    const rows = details.map((r) => {
      const set = newestSet(r);
      return [
        String(r.id),
        ...(flags.all ? [r.type] : []),
        r.name,
        r.architecture,
        r.title ?? '',
        r.base_image ?? '',
        set ? formatBytes(set.size) : '',
        status(r),
        set?.version ?? '',
      ];
    });
    io.stdout.write(table(headings, rows));
    return 0;
  } finally {
    client.close();
  }
}

function status(resource: BootResource): string {
  const set = newestSet(resource);
  if (!set) return 'no sets';
  const file = onlyFile(set);
  if (Object.keys(set.files).length === 0) return 'empty';
  if (set.complete) return 'complete';
  const percent = (set.progress ?? 0).toFixed(set.progress !== undefined && set.progress < 10 ? 1 : 0);
  return file?.upload_uri ? `incomplete (${percent}%)` : `syncing (${percent}%)`;
}

async function remove(args: string[], io: CliIo, store: ProfileStore): Promise<number> {
  const { flags, positional } = parseInterleavedFlags(
    { ...connectionFlags, architecture: { kind: 'string' } },
    args,
  );
  expectPositional(positional, ['ID|NAME']);
  const { client } = await connect(flags, io, store);
  try {
    const target = positional[0];
    let id: number;
    let what: string;
    if (/^\d+$/.test(target)) {
      id = Number(target);
      what = `boot resource ${id}`;
    } else {
      const names = new Set([target, target.replace(/^custom\//, '')]);
      const matches = (await client.listBootResources({ type: 'uploaded', signal: io.signal })).filter(
        (r) => names.has(r.name) && (!flags.architecture || r.architecture === flags.architecture),
      );
      if (matches.length === 0) {
        io.stderr.write(
          `kiln maas delete: no uploaded boot resource named "${target}"${flags.architecture ? ` for ${flags.architecture}` : ''}\n`,
        );
        return 1;
      }
      if (matches.length > 1) {
        io.stderr.write(
          `kiln maas delete: "${target}" names ${matches.length} boot resources (${matches.map((m) => `${m.id}: ${m.architecture}`).join(', ')}); give the ID or --architecture\n`,
        );
        return 1;
      }
      id = matches[0].id;
      what = `boot resource ${id} (${matches[0].name}, ${matches[0].architecture})`;
    }
    await client.deleteBootResource(id, { signal: io.signal });
    io.stdout.write(`Deleted ${what}.\n`);
    return 0;
  } finally {
    client.close();
  }
}

/**
 * The MAAS filetype a file name implies, if it implies one: the filetype's own name as the extension
 * (`.ddgz`, `.tgz`, ...), the extension `kiln maas image` and the maas-image post-processor write
 * (MAAS_IMAGE_EXTENSIONS: `.dd.gz`, `.tar.gz`, ...), and the usual spellings of those (`.img.gz`,
 * `.dd.tgz`, `.tbz2`). Anything else (`.qcow2`, `.iso`, `.gz` alone) implies nothing.
 */
export function filetypeFromName(file: string): MaasFiletype | undefined {
  const name = path.basename(file).toLowerCase();
  let best: { suffix: string; filetype: MaasFiletype } | undefined;
  for (const [suffix, filetype] of FILETYPE_SUFFIXES) {
    if (name.endsWith(suffix) && name.length > suffix.length && suffix.length > (best?.suffix.length ?? 0))
      best = { suffix, filetype };
  }
  return best?.filetype;
}

/** Every name ending that implies a filetype; the longest match wins (`.dd.tar.gz` over `.tar.gz`). */
const FILETYPE_SUFFIXES: ReadonlyArray<readonly [string, MaasFiletype]> = (() => {
  const suffixes: Array<[string, MaasFiletype]> = [];
  for (const filetype of MAAS_FILETYPES) {
    suffixes.push([`.${filetype}`, filetype]);
    const written = MAAS_IMAGE_EXTENSIONS[filetype];
    if (written) suffixes.push([written, filetype]);
  }
  const tarred: Array<[string[], MaasFiletype, MaasFiletype]> = [
    [['.tar.gz', '.tgz'], 'tgz', 'ddtgz'],
    [['.tar.bz2', '.tbz', '.tbz2'], 'tbz', 'ddtbz'],
    [['.tar.xz', '.txz'], 'txz', 'ddtxz'],
  ];
  for (const [endings, rootfs, disk] of tarred) {
    for (const ending of endings) {
      suffixes.push([ending, rootfs]);
      for (const stem of DISK_STEMS) suffixes.push([`${stem}${ending}`, disk]);
    }
  }
  const bare: Array<[string, MaasFiletype]> = [
    ['', 'ddraw'],
    ['.tar', 'ddtar'],
    ['.gz', 'ddgz'],
    ['.xz', 'ddxz'],
    ['.bz2', 'ddbz2'],
  ];
  for (const [ending, filetype] of bare)
    for (const stem of DISK_STEMS) suffixes.push([`${stem}${ending}`, filetype]);
  suffixes.push(['.ddtbz2', 'ddtbz']);
  return suffixes;
})();

/** `4194304`, `4MiB`, `4M`, `512KiB`. */
function parseChunkSize(text: string): number {
  const match = /^(\d+)\s*(k|kib|kb|m|mib|mb)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--chunk-size "${text}": give bytes, or a number with KiB or MiB`);
  const unit = (match[2] ?? '').toLowerCase();
  const size = Number(match[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1);
  if (size < MIN_CHUNK_SIZE || size > MAX_CHUNK_SIZE) {
    throw new UsageError(
      `--chunk-size must be between 64 KiB and 8 MiB (MAAS's proxy refuses bodies over 10 MiB)`,
    );
  }
  return size;
}

async function upload(args: string[], io: CliIo, store: ProfileStore): Promise<number> {
  const { flags, positional } = parseInterleavedFlags(
    {
      ...connectionFlags,
      name: { kind: 'string' },
      architecture: { kind: 'string' },
      title: { kind: 'string' },
      filetype: { kind: 'string' },
      'base-image': { kind: 'string' },
      'chunk-size': { kind: 'string' },
      sha256: { kind: 'string' },
      'no-resume': { kind: 'bool' },
      'wait-sync': { kind: 'bool' },
      'skip-readiness-check': { kind: 'bool' },
      json: { kind: 'bool' },
    },
    args,
  );
  expectPositional(positional, ['FILE']);
  if (!flags.name) throw new UsageError('--name is required (e.g. --name custom/ubuntu-noble)');
  if (!flags.architecture)
    throw new UsageError('--architecture is required (e.g. --architecture amd64/generic)');
  const file = path.resolve(io.cwd, positional[0]);
  let filetype: MaasFiletype;
  let filetypeNote = '';
  if (flags.filetype) {
    if (!(MAAS_FILETYPES as readonly string[]).includes(flags.filetype)) {
      throw new UsageError(`--filetype "${flags.filetype}" is not one of ${MAAS_FILETYPES.join(', ')}`);
    }
    filetype = flags.filetype as MaasFiletype;
  } else {
    const named = filetypeFromName(positional[0]);
    const found = named ? undefined : await detectArtifactFiletype(file, io.signal).catch(() => undefined);
    filetype = named ?? (found as MaasFiletype | undefined) ?? 'tgz';
    filetypeNote = named
      ? ` (from the file name)`
      : found
        ? ' (from its content)'
        : ` (MAAS's default; give --filetype if this is not a .tar.gz)`;
  }
  const chunkSize = flags['chunk-size'] ? parseChunkSize(flags['chunk-size']) : DEFAULT_CHUNK_SIZE;
  const { client, resolved } = await connect(flags, io, store);
  const printer = new UploadProgressPrinter(io.stderr);
  try {
    let readiness: ReadinessReport | undefined;
    if (flags['skip-readiness-check']) {
      io.stderr.write('Skipping the readiness check (--skip-readiness-check).\n');
    } else {
      readiness = await uploadReadiness(file, filetype, flags, io);
      if (!readiness.ready) {
        const errors = readiness.findings.filter((f) => f.severity === 'error');
        io.stderr.write(
          `kiln maas upload: ${positional[0]} is not ready for MAAS (${[...new Set(errors.map((e) => e.rule))].join(', ')}); nothing was sent to ${resolved.url}. Fix it, or pass --skip-readiness-check to upload it anyway.\n`,
        );
        return 1;
      }
    }
    io.stderr.write(
      `Uploading ${positional[0]} to ${resolved.url} (${resolved.source}) as ${flags.name}, ${flags.architecture}, filetype ${filetype}${filetypeNote}\n`,
    );
    const result = await uploadBootResource(
      client,
      {
        file,
        name: flags.name,
        architecture: flags.architecture,
        title: flags.title || undefined,
        filetype,
        baseImage: flags['base-image'] || undefined,
        sha256: flags.sha256 || undefined,
      },
      {
        signal: io.signal,
        chunkSize,
        resume: !flags['no-resume'],
        waitForSync: flags['wait-sync'],
        onProgress: (p) => printer.update(p),
        onEvent: (e) => printer.event(e),
      },
    );
    printer.finish();
    if (flags.json) {
      const { resource, ...summary } = result;
      io.stdout.write(
        `${JSON.stringify({ ...summary, url: resolved.url, resource, ...(readiness ? { readiness } : {}) }, null, 2)}\n`,
      );
      return 0;
    }
    const what = `boot resource ${result.resourceId} (${result.resource.name}, ${result.resource.architecture}), set ${result.setVersion}, ${formatBytes(result.size)}, sha256 ${result.sha256}`;
    if (result.skipped) {
      io.stdout.write(`Already on the region, complete: ${what}. Nothing to upload.\n`);
    } else if (result.complete) {
      const seconds = result.transferMs / 1000;
      const sent = result.size - result.resumedFrom;
      io.stdout.write(
        `Uploaded ${what}. MAAS reports the file complete.${seconds > 0 ? ` ${formatBytes(sent)} in ${seconds.toFixed(1)} s (${formatBytes(sent / seconds)}/s)` : ''}${result.resumedFrom > 0 ? `, resumed at ${formatBytes(result.resumedFrom)}` : ''}${result.retries ? `, ${result.retries} retr${result.retries === 1 ? 'y' : 'ies'}` : ''}.\n`,
      );
    } else {
      const set = result.resource.sets[result.setVersion];
      io.stdout.write(
        `Uploaded ${what}. This region holds the whole file; MAAS reports ${(set?.progress ?? 0).toFixed(0)}% while its other regions copy it (--wait-sync waits for them).\n`,
      );
    }
    return 0;
  } catch (err) {
    printer.finish();
    if (io.signal.aborted) {
      io.stderr.write(
        'kiln maas upload: interrupted. What the region received stays there: run the same command again to continue the upload.\n',
      );
      return 130;
    }
    throw err;
  } finally {
    client.close();
  }
}

/**
 * The readiness check `kiln maas check` runs (and the maas-upload post-processor and the desktop's
 * upload dialog), printed the same way, to stderr: stdout keeps the upload's result. Uploading a
 * build's own disk (a qcow2, or a raw disk under a tarball filetype) is an error here, though `check`
 * only notes it: MAAS would store it and curtin would fail to deploy it.
 */
async function uploadReadiness(
  file: string,
  filetype: MaasFiletype,
  flags: { name: string; 'base-image': string },
  io: CliIo,
): Promise<ReadinessReport> {
  io.stderr.write(`Checking ${file} before the upload (--skip-readiness-check skips this)...\n`);
  const report = await checkReadiness(file, {
    filetype,
    name: flags.name,
    baseImage: flags['base-image'] || undefined,
    signal: io.signal,
  });
  if (report.kind === 'built-disk') {
    const actual = await detectArtifactFiletype(file, io.signal);
    if (actual !== filetype) {
      report.findings.unshift({
        rule: 'filetype',
        severity: 'error',
        message: `this is a build's disk (${report.detail.split(';')[0]}), not a ${filetype} artifact${actual ? `; as it is, it is a ${actual}` : ''}`,
        fix: actual
          ? `upload it with --filetype ${actual}, or make a ${filetype} with kiln maas image --filetype ${filetype}`
          : `make the artifact with kiln maas image --filetype ${filetype} ${path.basename(file)} OUTPUT, then upload OUTPUT`,
      });
      report.ready = false;
    }
  }
  io.stderr.write(formatReadiness(report));
  return report;
}

/** One readable message, MAAS's own words included, never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof MaasApiError) return describeApiError(err);
  if (err instanceof MaasUploadError && err.cause instanceof MaasApiError) {
    return `${err.message.includes(err.cause.maasMessage) ? err.message : `${err.message}: ${describeApiError(err.cause)}`}`;
  }
  if (err instanceof MaasConnectionError) return `cannot reach the region: ${err.message}`;
  if (
    err instanceof MaasError ||
    err instanceof ProfileError ||
    err instanceof ApiKeyFormatError ||
    err instanceof RegionUrlError
  ) {
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

function describeApiError(err: MaasApiError): string {
  if (err.fieldErrors) {
    const lines = Object.entries(err.fieldErrors).map(
      ([field, messages]) => `  ${field}: ${messages.join(' ')}`,
    );
    return `MAAS refused it (${err.status} ${err.statusText}):\n${lines.join('\n')}`;
  }
  if (err.status === 401) return `MAAS rejected the API key (401): ${err.maasMessage}`;
  return `MAAS answered ${err.status} ${err.statusText} to ${err.method} ${err.path}: ${err.maasMessage}`;
}

function table(headings: string[], rows: string[][]): string {
  const widths = headings.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[line(headings), ...rows.map(line)].join('\n')}\n`;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return results;
}
