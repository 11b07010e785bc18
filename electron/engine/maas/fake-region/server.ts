/**
 * A fake MAAS region for tests and manual use, written from `maas-boot-resources-api.md` and checked
 * against MAAS's source: the boot-resources endpoints of REST API 2.0 behind MAAS's nginx (10 MiB body
 * limit), OAuth with MAAS's messages, the PUT rules in their order, sha256 at completion, version
 * profiles (3.4, 3.5–3.7, master) and fault switches. It is the only test double in Kiln.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { authenticate, type AuthStore } from './auth';
import { FaultController, type FaultKind, type FaultSpec } from './faults';
import { validateCreate } from './forms';
import {
  RTYPE,
  UPLOAD_FILETYPES,
  VERSION_TRAITS,
  fileState,
  nextVersionName,
  resourceToDict,
  uploadedFilename,
  type FakeFile,
  type FakeResource,
  type FakeSet,
  type FakeToken,
  type FakeUser,
  type LargeFile,
  type MaasVersionProfile,
} from './model';
import { countFormFields, parseFormBody } from './multipart';
import { pyJsonDumps } from './python';
import { ImageStore } from './storage';

export interface FakeRegionOptions {
  /** MAAS version to behave like. Default `3.7` (3.5–3.7 behave the same on this path). */
  version?: MaasVersionProfile;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where file contents go. Default: a new temporary directory, removed by `close()`. */
  storageDir?: string;
  /** `arch/subarch` values accepted on create. Default `['amd64/generic']`. */
  usableArchitectures?: string[];
  /** Default base image of custom images (`commissioning_osystem/series`). Default `ubuntu/jammy`. */
  commissioningBase?: string;
  /** `os/release` pairs of the boot-source cache (reserved names). */
  bootSourceCache?: string[];
  /** Region controllers. With more than one, files turn complete only after the sync delay. Default 1. */
  regions?: number;
  /** Time the other regions take to copy a completed file. Default 0. */
  syncDelayMs?: number;
  /** MAAS ≥ 3.2 answers through its nginx: bodies over `bodyLimitBytes` get 413. Default true. */
  proxy?: boolean;
  /** nginx `client_max_body_size`. Default 10 MiB. */
  bodyLimitBytes?: number;
  /** Seed a synced Ubuntu resource, as a region that has imported images has. Default true. */
  seedSyncedResource?: boolean;
  /** Use this admin API key instead of a random one. */
  apiKey?: string;
  /** Clock (ms). */
  now?: () => number;
  /** One line per request, for manual use. */
  log?: (line: string) => void;
  /** Record a sha256 of every chunk written (for `storedFileProblems`). Default true; off for benchmarks. */
  hashWrites?: boolean;
  /** Write file contents around the page cache where the filesystem allows it (`storage.ts`). Default true. */
  directIo?: boolean;
}

export interface WriteRecord {
  seq: number;
  fileId: number;
  /** Where the bytes landed in the stored file. */
  offset: number;
  length: number;
  /** The region's recorded progress moved (false: rolled back, or written outside the transaction). */
  committed: boolean;
  /** sha256 of the bytes written ('' when `hashWrites` is off). */
  sha256: string;
}

export interface RequestRecord {
  seq: number;
  method: string;
  path: string;
  /** HTTP status, or `reset` when the connection was dropped. */
  status: number | 'reset';
  authorization?: string;
  contentLength?: number;
  /** The client's port: requests sharing one are on one kept-alive connection. */
  remotePort?: number;
  faults: FaultKind[];
  /** performance.now() when the request arrived, when its body was in, and when it was answered. */
  startedAt: number;
  bodyAt?: number;
  endedAt?: number;
}

export interface FakeFileInfo {
  id: number;
  resourceId: number;
  setVersion: string;
  filename: string;
  sha256: string;
  size: number;
  /** Bytes the answering region holds (3.4: the large object's size). */
  bytes: number;
  complete: boolean;
  path?: string;
}

export interface FakeRegion {
  /** `http://HOST:PORT/MAAS`, what Kiln calls the region URL. */
  readonly url: string;
  readonly apiUrl: string;
  readonly port: number;
  readonly version: MaasVersionProfile;
  /** An admin's API key. */
  readonly apiKey: string;
  /** A non-admin user's API key. */
  readonly userApiKey: string;
  readonly faults: FaultController;
  readonly requests: readonly RequestRecord[];
  readonly writes: readonly WriteRecord[];
  readonly storageDir: string;
  /** Adds a user; returns its API key. */
  addUser(options: { username: string; admin?: boolean; active?: boolean }): string;
  /** Deletes the key (its consumer and token), as the UI's "delete API key" does. */
  revokeApiKey(apiKey: string): void;
  setUserActive(username: string, active: boolean): void;
  setUsableArchitectures(architectures: string[]): void;
  /** Moves the region's clock (OAuth timestamps are checked against it). */
  setClockSkewSeconds(seconds: number): void;
  /** The resource as `GET boot-resources/{id}/` renders it, or undefined. */
  resource(id: number): Record<string, unknown> | undefined;
  /** Every resource, as the list renders them. */
  resources(): Array<Record<string, unknown>>;
  files(): FakeFileInfo[];
  file(fileId: number): FakeFileInfo | undefined;
  /** The stored bytes of a file (what the region wrote). */
  readFile(fileId: number): Promise<Buffer>;
  /** The writes into a file, in order. */
  writesTo(fileId: number): WriteRecord[];
  close(): Promise<void>;
}

const API_PREFIX = '/MAAS/api/2.0/';
const API_HASH = 'ebd6d4f2d3e8c4e1f8d4b1a6c0e9d7f3a2b5c8d1';
const TEXT_UTF8 = 'text/plain; charset=utf-8';
const JSON_UTF8 = 'application/json; charset=utf-8';
const HTML_UTF8 = 'text/html; charset=utf-8';
const MAX_UNPROXIED_BODY = 256 * 1024 * 1024;

const CONFLICT_PAGE = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
  <head>
    <title>Error: Conflict Error</title>
  </head>
  <body>
    <h2 class="p-heading--four">
      Conflict error. Try your request again, as it will most likely succeed.
    </h2>
  </body>
</html>
`;

function nginxPage(status: number, reason: string): string {
  return `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

const NGINX_413 = {
  status: 413,
  reason: 'Request Entity Too Large',
  body: nginxPage(413, 'Request Entity Too Large'),
  contentType: 'text/html',
};

interface Reply {
  status: number;
  /** Reason phrase, when it is not Node's (nginx's own pages). */
  reason?: string;
  body: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Went back through piston's Resource: carries X-MAAS-API-Hash and Vary. */
  viaPiston?: boolean;
}

const text = (status: number, body: string, contentType = TEXT_UTF8): Reply => ({
  status,
  body,
  contentType,
});
const notFound = (model: string): Reply => ({
  status: 404,
  body: `No ${model} matches the given query.`,
  contentType: 'text/plain',
  viaPiston: true,
});

class Crash extends Error {}

/** A request body as it arrived, in pieces: joined only when something needs it whole (forms). */
class Body {
  private joined?: Buffer;
  constructor(
    readonly chunks: Buffer[],
    readonly length: number,
  ) {}
  buffer(): Buffer {
    this.joined ??= Buffer.concat(this.chunks, this.length);
    return this.joined;
  }
}

interface Handled {
  reply?: Reply;
  /** Drop the connection instead of answering. */
  reset?: boolean;
}

function alnum(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function parseId(raw: string): number {
  // Django's IntegerField.get_prep_value: int(value), else "Field 'id' expected a number but got 'x'."
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new Crash(`Field 'id' expected a number but got '${raw}'.`);
  return Number(raw);
}

/** A chain of promises per key: one PUT at a time per file, like the row lock MAAS takes. */
class KeyedMutex {
  private tails = new Map<string, Promise<void>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export async function startFakeRegion(options: FakeRegionOptions = {}): Promise<FakeRegion> {
  const profile: MaasVersionProfile = options.version ?? '3.7';
  const traits = VERSION_TRAITS[profile];
  const regions = Math.max(1, options.regions ?? 1);
  const proxy = options.proxy ?? true;
  const bodyLimit = options.bodyLimitBytes ?? 10 * 1024 * 1024;
  const ownsStorage = options.storageDir === undefined;
  const storageDir = options.storageDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-fake-maas-')));
  await fs.mkdir(storageDir, { recursive: true });
  const baseNow = options.now ?? Date.now;
  let clockSkewMs = 0;
  const now = () => baseNow() + clockSkewMs;
  let usableArchitectures = [...(options.usableArchitectures ?? ['amd64/generic'])];
  const commissioningBase = options.commissioningBase ?? 'ubuntu/jammy';
  const bootSourceCache = options.bootSourceCache ?? [
    'ubuntu/focal',
    'ubuntu/jammy',
    'ubuntu/noble',
    'centos/centos7',
    'centos/centos8',
  ];

  const faults = new FaultController();
  const requests: RequestRecord[] = [];
  const writes: WriteRecord[] = [];
  const users = new Map<string, FakeUser>();
  const consumers = new Map<string, FakeUser>();
  const tokens = new Map<string, FakeToken>();
  const nonces = new Set<string>();
  const resources = new Map<number, FakeResource>();
  const files = new Map<number, FakeFile>();
  const largefiles = new Map<string, LargeFile>();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const pending = new Set<Promise<unknown>>();
  const mutex = new KeyedMutex();
  const store = new ImageStore({ directIo: options.directIo });
  const nextId = { user: 1, resource: 1, set: 1, file: 1, write: 1, request: 1 };

  const addUser = (username: string, admin: boolean, active = true, apiKey?: string): string => {
    const user: FakeUser = {
      id: nextId.user++,
      username,
      email: `${username}@example.com`,
      isSuperuser: admin,
      isActive: active,
    };
    users.set(username, user);
    const [consumerKey, tokenKey, tokenSecret] = apiKey
      ? apiKey.split(':')
      : [alnum(18), alnum(18), alnum(32)];
    consumers.set(consumerKey, user);
    tokens.set(tokenKey, { consumerKey, tokenKey, tokenSecret, user });
    return `${consumerKey}:${tokenKey}:${tokenSecret}`;
  };
  const adminKey = addUser('admin', true, true, options.apiKey);
  const userKey = addUser('user', false);

  const authStore: AuthStore = {
    consumerExists: (key) => consumers.has(key),
    token: (key) => tokens.get(key),
    useNonce: (consumerKey, tokenKey, nonce) => {
      const id = `${consumerKey}\u0000${tokenKey}\u0000${nonce}`;
      if (nonces.has(id)) return true;
      nonces.add(id);
      return false;
    },
  };

  const schedule = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  // Sleeps end early when the region closes, so no request is left hanging.
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        sleepers.delete(wake);
        resolve();
      };
      sleepers.add(wake);
      schedule(ms, wake);
    });

  if (options.seedSyncedResource ?? true) {
    const resource: FakeResource = {
      id: nextId.resource++,
      rtype: RTYPE.SYNCED,
      name: 'ubuntu/jammy',
      architecture: 'amd64/ga-22.04',
      extra: {
        kflavor: 'generic',
        subarches:
          'generic,hwe-p,hwe-q,hwe-r,hwe-s,hwe-t,hwe-u,hwe-v,hwe-w,ga-16.04,ga-16.10,ga-17.04,ga-17.10,ga-18.04,ga-18.10,ga-19.04,ga-19.10,ga-20.04,ga-20.10,ga-21.04,ga-21.10,ga-22.04',
        title: '',
      },
      baseImage: '',
      sets: [],
    };
    const set: FakeSet = { id: nextId.set++, version: '20250301', label: 'stable', files: [] };
    for (const [filename, filetype, size] of [
      ['boot-initrd', 'boot-initrd', 71_236_498],
      ['boot-kernel', 'boot-kernel', 14_628_264],
      ['squashfs', 'squashfs', 287_830_016],
    ] as const) {
      const sha256 = createHash('sha256').update(filename).digest('hex');
      set.files.push({
        id: nextId.file++,
        resourceId: resource.id,
        setId: set.id,
        filename,
        filetype,
        sha256,
        size,
        filenameOnDisk: sha256.slice(0, 7),
        regionSizes: Array.from({ length: regions }, () => size),
        largefile: profile === '3.4' ? { sha256, totalSize: size, size, path: '' } : undefined,
        diskSize: size,
      });
    }
    resource.sets.push(set);
    resources.set(resource.id, resource);
    for (const f of set.files) files.set(f.id, f);
  }

  // ---- state helpers ------------------------------------------------------------------------------

  const findUploaded = (name: string, architecture: string) =>
    [...resources.values()].find(
      (r) =>
        (r.rtype === RTYPE.UPLOADED || (profile === '3.4' && r.rtype === RTYPE.GENERATED)) &&
        r.name === name &&
        r.architecture === architecture,
    );

  const bytesHeld = (file: FakeFile) =>
    profile === '3.4' ? (file.largefile?.size ?? 0) : (file.regionSizes[0] ?? 0);

  const filenameOnDisk = (sha256: string) => {
    for (const f of files.values()) if (f.sha256 === sha256) return f.filenameOnDisk;
    const taken = [...files.values()].map((f) => f.filenameOnDisk);
    for (let n = 7; n < 64; n++)
      if (!taken.some((t) => t.startsWith(sha256.slice(0, n)))) return sha256.slice(0, n);
    return sha256;
  };

  const removeFiles = async (victims: FakeFile[]) => {
    for (const f of victims) {
      files.delete(f.id);
      await store.remove(f.path);
      await store.remove(f.path ? `${f.path}.incomplete` : undefined);
    }
    if (profile === '3.4') {
      const used = new Set([...files.values()].map((f) => f.largefile));
      for (const [sha, lf] of largefiles) {
        if (!used.has(lf)) {
          largefiles.delete(sha);
          await store.remove(lf.path);
        }
      }
    }
  };

  const completeOnOtherRegions = (file: FakeFile) => {
    if (regions <= 1) return;
    schedule(options.syncDelayMs ?? 0, () => {
      if (files.get(file.id) === file) file.regionSizes = Array.from({ length: regions }, () => file.size);
    });
  };

  // ---- handlers -----------------------------------------------------------------------------------

  interface Ctx {
    req: http.IncomingMessage;
    url: URL;
    method: string;
    body: Body;
    bodyConsumed: boolean;
    user: FakeUser;
    op: string | null;
    form: Map<string, string>;
    contentLength: number | undefined;
    fault: (kinds: FaultKind[]) => FaultSpec | undefined;
    deferReply: (reply: Reply) => void;
    recordFault: (kind: FaultKind) => void;
  }

  const requireAdmin = (ctx: Ctx): Reply | undefined =>
    ctx.user.isSuperuser ? undefined : text(403, traits.adminDenied);

  const listResources = (ctx: Ctx): Reply => {
    const type = ctx.url.searchParams.has('type') ? (ctx.url.searchParams.get('type') ?? '') : 'all';
    let list = [...resources.values()];
    if (type === 'all') {
      list.sort((a, b) => a.rtype - b.rtype || cmp(a.name, b.name) || cmp(a.architecture, b.architecture));
    } else if (type in traits.listTypes) {
      list = list
        .filter((r) => r.rtype === traits.listTypes[type])
        .sort((a, b) => cmp(a.name, b.name) || cmp(a.architecture, b.architecture));
    } else {
      return text(
        400,
        `'${type}' is not a valid boot resource type. Available types: ['${Object.keys(traits.listTypes).join("', '")}']`,
      );
    }
    return {
      status: 200,
      body: pyJsonDumps(
        list.map((r) => resourceToDict(profile, r, regions, false)),
        false,
      ),
      contentType: JSON_UTF8,
      viaPiston: true,
    };
  };

  const createResource = async (ctx: Ctx): Promise<Reply> => {
    const denied = requireAdmin(ctx);
    if (denied) return denied;
    const parsed = parseFormBody(ctx.req.headers['content-type'], ctx.body.buffer());
    const data = parsed.fields;
    if (!data.has('filetype')) data.set('filetype', 'tgz');
    const content = traits.acceptsContent ? parsed.files.get('content') : undefined;
    const validation = validateCreate(data, {
      profile,
      traits,
      usableArchitectures,
      bootSourceCache,
      commissioningBase,
      findUploaded,
      hasContent: content !== undefined,
    });
    if (!validation.ok) {
      if ('crash' in validation) throw new Crash(validation.crash);
      return { status: 400, body: pyJsonDumps(validation.errors), contentType: JSON_UTF8 };
    }
    const cleaned = validation.cleaned;
    if (content !== undefined && content.length === 0) {
      return {
        status: 400,
        body: pyJsonDumps({ content: ['The submitted file is empty.'] }),
        contentType: JSON_UTF8,
      };
    }
    const sha256 = content ? createHash('sha256').update(content).digest('hex') : (cleaned.sha256 ?? '');
    const size = content ? content.length : (cleaned.size ?? 0);
    // Checked before anything changes: the real check raises inside the transaction, which rolls back.
    if (!content) {
      const clash =
        profile === '3.4'
          ? (largefiles.get(sha256)?.totalSize ?? size) !== size
          : [...files.values()].some((f) => f.sha256 === sha256 && f.size !== size);
      if (clash) return text(400, 'File already exists with sha256 that is of different size.');
    }

    let resource = findUploaded(cleaned.name, cleaned.architecture);
    if (!resource) {
      resource = {
        id: nextId.resource++,
        rtype: RTYPE.UPLOADED,
        name: cleaned.name,
        architecture: cleaned.architecture,
        extra: {},
        baseImage: '',
        sets: [],
      };
      resources.set(resource.id, resource);
    }
    resource.rtype = RTYPE.UPLOADED;
    resource.extra = { subarches: cleaned.architecture.split('/')[1] ?? '', title: cleaned.title };
    if (!resource.baseImage) resource.baseImage = cleaned.baseImage;
    const set: FakeSet = {
      id: nextId.set++,
      version: nextVersionName(resource, baseNow()),
      label: 'uploaded',
      files: [],
    };
    resource.sets.push(set);
    const filetype = UPLOAD_FILETYPES[cleaned.filetype];
    const file: FakeFile = {
      id: nextId.file++,
      resourceId: resource.id,
      setId: set.id,
      filename: uploadedFilename(profile, filetype),
      filetype,
      sha256,
      size,
      filenameOnDisk: filenameOnDisk(sha256),
      regionSizes: [],
      diskSize: 0,
    };
    if (profile === '3.4') {
      let lf = largefiles.get(sha256);
      if (!lf) {
        lf = { sha256, totalSize: size, size: 0, path: path.join(storageDir, `largefile-${sha256}`) };
        await store.ensure(lf.path);
        largefiles.set(sha256, lf);
        if (content) {
          await store.writeAt(lf.path, 0, content);
          lf.size = size;
        }
      }
      file.largefile = lf;
    } else {
      file.path = path.join(storageDir, `${file.filenameOnDisk}-${file.id}`);
      if (content) {
        await fs.writeFile(file.path, content);
        file.regionSizes = [size];
        file.diskSize = size;
        completeOnOtherRegions(file);
      }
    }
    set.files.push(file);
    files.set(file.id, file);
    if (!cleaned.keepOld) {
      const old = resource.sets.filter((s) => s !== set).flatMap((s) => s.files);
      for (const s of resource.sets) if (s !== set) s.files = [];
      await removeFiles(old);
    }
    return {
      status: 201,
      body: pyJsonDumps(resourceToDict(profile, resource, regions, true), false),
      contentType: JSON_UTF8,
      viaPiston: true,
    };
  };

  const uploadChunk = async (ctx: Ctx, resourceIdRaw: string, fileIdRaw: string): Promise<Handled> => {
    const denied = requireAdmin(ctx);
    if (denied) return { reply: denied };
    const resource = resources.get(parseId(resourceIdRaw));
    if (!resource) return { reply: notFound('BootResource') };
    const file = files.get(parseId(fileIdRaw));
    if (!file) return { reply: notFound('BootResourceFile') };
    const size = ctx.contentLength ?? 0;
    if (ctx.bodyConsumed) throw new Crash("You cannot access body after reading from request's data stream");
    const data = ctx.body;
    if (size === 0) return { reply: text(400, 'Missing data.') };
    if (size !== data.length)
      return { reply: text(400, "Content-Length doesn't equal size of received data.") };
    const uploadable =
      resource.rtype === RTYPE.UPLOADED || (profile === '3.4' && resource.rtype === RTYPE.GENERATED);
    if (!uploadable) return { reply: text(403, traits.cannotUploadToType(resource.rtype)) };

    const lockKey = profile === '3.4' ? `lf:${file.sha256}` : `file:${file.id}`;
    return mutex.run(lockKey, async () => {
      if (bytesHeld(file) === file.size) return { reply: text(400, 'Cannot upload to a complete file.') };
      const corrupt = ctx.fault(['corrupt']);
      const chunk = data.chunks;
      if (corrupt) {
        chunk[0] = Buffer.from(chunk[0]);
        chunk[0][0] ^= 0xff;
        ctx.recordFault('corrupt');
      }
      const commitFault = ctx.fault(['conflict', 'slow', 'gateway-timeout', 'reset-after-commit']);
      if (commitFault) ctx.recordFault(commitFault.kind);
      const record = (offset: number): WriteRecord => {
        const w: WriteRecord = {
          seq: nextId.write++,
          fileId: file.id,
          offset,
          length: data.length,
          committed: false,
          sha256: (options.hashWrites ?? true) ? sha256Of(chunk) : '',
        };
        writes.push(w);
        return w;
      };

      // ---- write (physically), then decide whether the transaction commits -------------------------
      let write: WriteRecord | undefined;
      let before: number;
      let commit: () => void;
      let rollbackDisk: () => Promise<void> = async () => {};
      let completes: boolean;
      let contentPath: string;
      if (profile === '3.4') {
        const lf = file.largefile as LargeFile;
        before = lf.size;
        if (before + size > lf.totalSize) return { reply: text(400, 'Too much data received.') };
        write = record(before);
        await store.writeAt(lf.path, before, chunk);
        completes = before + size === lf.totalSize;
        contentPath = lf.path;
        rollbackDisk = () => store.truncate(lf.path, before);
        commit = () => {
          lf.size = before + size;
        };
      } else if (profile === '3.7') {
        before = file.regionSizes[0] ?? 0;
        const partial = `${file.path}.incomplete`;
        // mmap.write raises before writing anything when the data does not fit.
        if (before + size > file.size) return { reply: text(400, 'Too much data received.') };
        // MAAS pre-allocates `.incomplete` (sparse) at the first chunk; writing into holes only makes the
        // fake slower, and the bytes read back are the same: start it empty instead.
        if (before === 0) await store.startEmpty(partial);
        write = record(before);
        await store.writeAt(partial, before, chunk);
        completes = before + size === file.size;
        contentPath = partial;
        commit = () => {
          file.regionSizes[0] = before + size;
        };
      } else {
        before = file.regionSizes[0] ?? 0;
        const target = file.path as string;
        if (file.diskSize + size > file.size) {
          // append_chunk deletes the whole file before raising.
          await store.remove(target);
          file.diskSize = 0;
          return { reply: text(400, 'Too much data received.') };
        }
        await store.ensure(target);
        write = record(file.diskSize);
        await store.append(target, chunk);
        file.diskSize += size;
        completes = file.diskSize === file.size;
        contentPath = target;
        commit = () => {
          file.regionSizes[0] = before + size;
        };
      }

      if (commitFault?.kind === 'conflict') {
        // Serialization retries exhausted: the transaction rolls back (≤3.4 also drops the bytes).
        await rollbackDisk();
        return {
          reply: {
            status: 409,
            body: CONFLICT_PAGE,
            contentType: HTML_UTF8,
            headers: { 'Retry-After': String(commitFault.retryAfterSeconds ?? 5) },
          },
        };
      }
      if (commitFault?.kind === 'gateway-timeout') {
        const delay = commitFault.delayMs ?? 100;
        schedule(delay, () =>
          ctx.deferReply({
            status: 504,
            reason: 'Gateway Time-out',
            body: nginxPage(504, 'Gateway Time-out'),
            contentType: 'text/html',
          }),
        );
        await sleep(commitFault.commitDelayMs ?? delay * 2);
      }
      if (commitFault?.kind === 'slow') await sleep(commitFault.delayMs ?? 1000);

      if (completes) {
        // The sha256 of the whole stored file, inside this request (kept as the bytes were written).
        const actual = await store.sha256(contentPath);
        if (actual !== file.sha256) {
          await rollbackDisk();
          return { reply: text(400, 'Saved content does not match given SHA256 value.') };
        }
        if (profile === '3.7') {
          const final = file.path as string;
          await store.rename(contentPath, final);
        }
      }
      commit();
      write.committed = true;
      if (completes && profile !== '3.4') completeOnOtherRegions(file);
      if (commitFault?.kind === 'reset-after-commit') return { reset: true };
      return { reply: { status: 200, body: 'OK', contentType: 'text/plain', viaPiston: true } };
    });
  };

  const deleteResource = async (ctx: Ctx, idRaw: string): Promise<Reply> => {
    const denied = requireAdmin(ctx);
    if (denied) return denied;
    const resource = resources.get(parseId(idRaw));
    // BootResource.objects.get(): DoesNotExist reaches the middleware as a 500.
    if (!resource) throw new Crash('BootResource matching query does not exist.');
    resources.delete(resource.id);
    await removeFiles(resource.sets.flatMap((s) => s.files));
    return { status: 204, body: '', contentType: 'text/plain', viaPiston: true };
  };

  const readResource = (idRaw: string): Reply => {
    const resource = resources.get(parseId(idRaw));
    if (!resource) return notFound('BootResource');
    return {
      status: 200,
      body: pyJsonDumps(resourceToDict(profile, resource, regions, true), false),
      contentType: JSON_UTF8,
      viaPiston: true,
    };
  };

  const userToDict = (user: FakeUser) => ({
    username: user.username,
    email: user.email,
    is_local: true,
    is_superuser: user.isSuperuser,
    resource_uri: `/MAAS/api/2.0/users/${user.username}/`,
  });
  const whoami = (ctx: Ctx): Reply => ({
    status: 200,
    body: pyJsonDumps(userToDict(ctx.user), false),
    contentType: JSON_UTF8,
    viaPiston: true,
  });

  // ---- routing: Django URL resolution, then piston (auth, allowed methods, op dispatch) ------------

  interface Route {
    allowed: string[];
    anonymous?: boolean;
    dispatch: (ctx: Ctx) => Promise<Handled | Reply> | Handled | Reply | undefined;
  }

  const route = (rel: string): Route | undefined => {
    if (rel === 'version/') {
      return {
        allowed: ['GET'],
        anonymous: true,
        dispatch: (ctx) =>
          ctx.op === null
            ? {
                status: 200,
                body: pyJsonDumps({
                  capabilities: [
                    'networks-management',
                    'static-ipaddresses',
                    'ipv6-deployment-ubuntu',
                    'devices-management',
                    'storage-deployment-ubuntu',
                    'network-deployment-ubuntu',
                    'bridging-interface-ubuntu',
                    'bridging-automatic-ubuntu',
                    'authenticate-api',
                  ],
                  version: traits.reportedVersion,
                  subversion: '',
                }),
                contentType: JSON_UTF8,
                viaPiston: true,
              }
            : undefined,
      };
    }
    if (rel === 'regioncontrollers/') {
      return {
        allowed: ['GET', 'POST'],
        dispatch: (ctx) => {
          if (ctx.method !== 'GET' || ctx.op !== null) return undefined;
          const list = Array.from({ length: regions }, (_, i) => {
            const systemId = `reg${String(i + 1).padStart(3, '0')}`;
            return {
              system_id: systemId,
              hostname: `region-${i + 1}`,
              fqdn: `region-${i + 1}.maas`,
              node_type: 4,
              node_type_name: 'Region and rack controller',
              resource_uri: `/MAAS/api/2.0/regioncontrollers/${systemId}/`,
            };
          });
          return { status: 200, body: pyJsonDumps(list, false), contentType: JSON_UTF8, viaPiston: true };
        },
      };
    }
    if (rel === 'users/') {
      return {
        allowed: ['GET', 'POST'],
        dispatch: (ctx) => {
          if (ctx.method === 'GET' && ctx.op === 'whoami') return whoami(ctx);
          if (ctx.method === 'GET' && ctx.op === null) {
            const list = [...users.values()]
              .sort((a, b) => cmp(a.username, b.username))
              .map((u) => userToDict(u));
            return { status: 200, body: pyJsonDumps(list, false), contentType: JSON_UTF8, viaPiston: true };
          }
          return undefined;
        },
      };
    }
    if (rel === 'boot-resources/') {
      return {
        allowed: ['GET', 'POST'],
        dispatch: (ctx) => {
          if (ctx.method === 'GET' && ctx.op === null) return listResources(ctx);
          if (ctx.method === 'GET' && ctx.op === 'is_importing') {
            return { status: 200, body: 'false', contentType: JSON_UTF8, viaPiston: true };
          }
          if (ctx.method === 'POST' && ctx.op === null) return createResource(ctx);
          if (ctx.method === 'POST' && (ctx.op === 'import' || ctx.op === 'stop_import')) {
            return (
              requireAdmin(ctx) ?? {
                status: 200,
                body:
                  ctx.op === 'import'
                    ? 'Import of boot resources started'
                    : 'Import of boot resources is being stopped',
                contentType: TEXT_UTF8,
                viaPiston: true,
              }
            );
          }
          return undefined;
        },
      };
    }
    let m = /^boot-resources\/([^/]+)\/$/.exec(rel);
    if (m) {
      const id = m[1];
      return {
        allowed: ['GET', 'DELETE'],
        dispatch: (ctx) => {
          if (ctx.op !== null) return undefined;
          return ctx.method === 'GET' ? readResource(id) : deleteResource(ctx, id);
        },
      };
    }
    m = /^boot-resources\/([^/]+)\/upload\/([^/]+)\/$/.exec(rel);
    if (m) {
      const [, rid, fid] = m;
      return {
        allowed: ['PUT'],
        dispatch: (ctx) => (ctx.op === null ? uploadChunk(ctx, rid, fid) : undefined),
      };
    }
    return undefined;
  };

  /** For fault matching: the file a PUT goes to, and whether this chunk completes it. */
  const uploadTarget = (method: string, pathname: string, contentLength: number | undefined) => {
    if (method !== 'PUT') return {};
    const m = /^\/MAAS\/api\/2\.0\/boot-resources\/[^/]+\/upload\/(\d+)\/$/.exec(pathname);
    const file = m ? files.get(Number(m[1])) : undefined;
    if (!file) return {};
    const offset = bytesHeld(file);
    return { offset, final: offset + (contentLength ?? 0) >= file.size };
  };

  // ---- the HTTP server ----------------------------------------------------------------------------

  const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    const work = handleRequest(req, res).catch((err: unknown) => {
      options.log?.(
        `fake region: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': TEXT_UTF8 });
        res.end(err instanceof Error ? err.message : String(err));
      }
    });
    pending.add(work);
    void work.finally(() => pending.delete(work));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const clHeader = req.headers['content-length'];
    let contentLength = clHeader !== undefined && /^\d+$/.test(clHeader) ? Number(clHeader) : undefined;
    const record: RequestRecord = {
      seq: nextId.request++,
      method,
      path: `${url.pathname}${url.search}`,
      status: 0,
      authorization: req.headers.authorization,
      contentLength,
      remotePort: req.socket.remotePort,
      faults: [],
      startedAt: performance.now(),
    };
    requests.push(record);
    const target = uploadTarget(method, url.pathname, contentLength);
    const faultCtx = { method, path: url.pathname, ...target };
    faults.observe(faultCtx);
    const takeFault = (kinds: FaultKind[]) => faults.take(faultCtx, kinds);

    let replied = false;
    const reply = (r: Reply) => {
      if (replied) return;
      replied = true;
      record.status = r.status;
      record.endedAt = performance.now();
      options.log?.(`${method} ${record.path} → ${r.status}`);
      if (res.destroyed || res.writableEnded) return;
      const headers: Record<string, string> = { ...(r.headers ?? {}) };
      if (r.contentType) headers['Content-Type'] = r.contentType;
      if (r.viaPiston) {
        headers['X-MAAS-API-Hash'] = API_HASH;
        headers['Vary'] = 'Authorization';
      }
      if (r.reason) res.writeHead(r.status, r.reason, headers);
      else res.writeHead(r.status, headers);
      res.end(r.body);
    };
    const reset = () => {
      if (replied) return;
      replied = true;
      record.status = 'reset';
      record.endedAt = performance.now();
      options.log?.(`${method} ${record.path} → connection reset`);
      req.socket.resetAndDestroy();
    };

    // nginx: client_max_body_size, checked on Content-Length before reading the body. (nginx then
    // reads and drops the rest of the body, its "lingering close"; the body is drained here too.)
    if (proxy && contentLength !== undefined && contentLength > bodyLimit) {
      reply(NGINX_413);
      req.resume();
      return;
    }

    const status = takeFault(['status']);
    const resetFault = takeFault(['reset-before-commit']);
    if (resetFault) record.faults.push('reset-before-commit');
    if (status) record.faults.push('status');

    // Read the body (nginx buffers it; the region sees it whole).
    const chunks: Buffer[] = [];
    let received = 0;
    const limit = proxy ? bodyLimit : MAX_UNPROXIED_BODY;
    const midBodyAt = resetFault?.midBody ? Math.max(1, Math.floor((contentLength ?? 2) / 2)) : undefined;
    const completeBody = await new Promise<boolean>((resolve) => {
      req.on('data', (chunk: Buffer) => {
        if (replied) return;
        received += chunk.length;
        if (received > limit) {
          reply(NGINX_413);
          resolve(false);
          return;
        }
        chunks.push(chunk);
        if (midBodyAt !== undefined && received >= midBodyAt) {
          reset();
          resolve(false);
        }
      });
      req.on('end', () => resolve(true));
      req.on('error', () => resolve(false));
      req.on('close', () => resolve(false));
    });
    if (!completeBody || replied) return;
    record.bodyAt = performance.now();
    const body = new Body(chunks, received);
    // nginx hands a buffered chunked body to the region with a Content-Length.
    if (proxy && contentLength === undefined && req.headers['transfer-encoding']) contentLength = received;

    if (status) {
      reply({
        status: status.status ?? 503,
        body: status.body ?? '',
        contentType: status.contentType ?? 'text/html',
        headers: status.headers,
      });
      return;
    }
    if (resetFault) {
      reset();
      return;
    }

    try {
      const outcome = await django(req, url, method, body, contentLength, takeFault, record, reply);
      if (outcome.reset) reset();
      else if (outcome.reply) reply(outcome.reply);
    } catch (err) {
      if (err instanceof Crash) reply(text(500, err.message));
      else throw err;
    }
  }

  async function django(
    req: http.IncomingMessage,
    url: URL,
    method: string,
    body: Body,
    contentLength: number | undefined,
    takeFault: (kinds: FaultKind[]) => FaultSpec | undefined,
    record: RequestRecord,
    deferReply: (r: Reply) => void,
  ): Promise<Handled> {
    if (!url.pathname.startsWith(API_PREFIX)) {
      return {
        reply: text(
          404,
          '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n',
          HTML_UTF8,
        ),
      };
    }
    const r = route(url.pathname.slice(API_PREFIX.length));
    if (!r) {
      return {
        reply: text(
          404,
          '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n',
          HTML_UTF8,
        ),
      };
    }

    // piston's coerce_put_post: a PUT body sent as a form is parsed as one.
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    let bodyConsumed = false;
    let form = new Map<string, string>();
    if (method === 'POST' || method === 'PUT') {
      if (contentType.startsWith('application/x-www-form-urlencoded')) {
        if (countFormFields(body.buffer()) > 1000) {
          throw new Crash(
            'The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.',
          );
        }
        form = parseFormBody(contentType, body.buffer()).fields;
      } else if (contentType.startsWith('multipart/form-data')) {
        form = parseFormBody(req.headers['content-type'], body.buffer()).fields;
        bodyConsumed = method === 'PUT';
      }
    }

    let user: FakeUser | undefined;
    if (!r.anonymous) {
      const expire = takeFault(['expire-timestamp']);
      if (expire) record.faults.push('expire-timestamp');
      const skew = expire ? (expire.skewSeconds ?? 900) * 1000 : 0;
      const auth = authenticate(
        {
          authorization: req.headers.authorization,
          method,
          absoluteUrl: `http://${req.headers.host ?? 'localhost'}${url.pathname}`,
          params: [
            ...url.searchParams.entries(),
            ...(contentType.startsWith('application/x-www-form-urlencoded') ? form.entries() : []),
          ],
          nowSeconds: Math.floor((now() + skew) / 1000),
        },
        authStore,
      );
      if (auth.kind === 'anonymous')
        return { reply: { ...text(401, 'Forbidden', 'text/plain'), viaPiston: true } };
      if (auth.kind === 'crash') throw new Crash(auth.message);
      if (auth.kind === 'unauthorized') {
        return {
          reply: {
            status: 401,
            body: auth.message,
            contentType: HTML_UTF8,
            headers: { 'WWW-Authenticate': 'OAuth realm="OAuth"' },
          },
        };
      }
      user = auth.user;
      if (!user.isActive) return { reply: text(403, 'User is not allowed access to this API.') };
    }

    if (!r.allowed.includes(method)) {
      return {
        reply: {
          status: 405,
          body: '',
          contentType: HTML_UTF8,
          headers: { Allow: r.allowed.join(', ') },
          viaPiston: true,
        },
      };
    }

    const op = url.searchParams.get('op') || form.get('op') || null;
    const ctx: Ctx = {
      req,
      url,
      method,
      body,
      bodyConsumed,
      user: user ?? { id: 0, username: '', email: '', isSuperuser: false, isActive: true },
      op,
      form,
      contentLength,
      fault: takeFault,
      deferReply,
      recordFault: (kind) => record.faults.push(kind),
    };
    const result = await r.dispatch(ctx);
    if (result === undefined)
      return { reply: text(400, `Unrecognised signature: method=${method} op=${op ?? 'None'}`) };
    return 'status' in result ? { reply: result } : result;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = `http://${host}:${address.port}/MAAS`;

  const fileInfo = (file: FakeFile): FakeFileInfo => {
    const set = resources.get(file.resourceId)?.sets.find((s) => s.id === file.setId);
    const state = fileState(profile, file, regions);
    return {
      id: file.id,
      resourceId: file.resourceId,
      setVersion: set?.version ?? '',
      filename: file.filename,
      sha256: file.sha256,
      size: file.size,
      bytes: state.bytes,
      complete: state.complete,
      path: profile === '3.4' ? file.largefile?.path : file.path,
    };
  };

  let closed = false;
  return {
    url: base,
    apiUrl: `${base}/api/2.0/`,
    port: address.port,
    version: profile,
    apiKey: adminKey,
    userApiKey: userKey,
    faults,
    requests,
    writes,
    storageDir,
    addUser: ({ username, admin = false, active = true }) => addUser(username, admin, active),
    revokeApiKey(apiKey) {
      const [consumerKey, tokenKey] = apiKey.split(':');
      consumers.delete(consumerKey);
      tokens.delete(tokenKey);
    },
    setUserActive(username, active) {
      const user = users.get(username);
      if (!user) throw new Error(`no user ${username}`);
      user.isActive = active;
    },
    setUsableArchitectures(architectures) {
      usableArchitectures = [...architectures];
    },
    setClockSkewSeconds(seconds) {
      clockSkewMs = seconds * 1000;
    },
    resource(id) {
      const resource = resources.get(id);
      return resource
        ? (JSON.parse(pyJsonDumps(resourceToDict(profile, resource, regions, true), false)) as Record<
            string,
            unknown
          >)
        : undefined;
    },
    resources() {
      return [...resources.values()].map(
        (r) =>
          JSON.parse(pyJsonDumps(resourceToDict(profile, r, regions, false), false)) as Record<
            string,
            unknown
          >,
      );
    },
    files: () => [...files.values()].map(fileInfo),
    file(fileId) {
      const file = files.get(fileId);
      return file ? fileInfo(file) : undefined;
    },
    async readFile(fileId) {
      const file = files.get(fileId);
      if (!file) throw new Error(`the fake region has no file ${fileId}`);
      const info = fileInfo(file);
      if (!info.path) return Buffer.alloc(0);
      await store.flush();
      const candidates = profile === '3.7' ? [info.path, `${info.path}.incomplete`] : [info.path];
      for (const candidate of candidates) {
        try {
          const data = await fs.readFile(candidate);
          return profile === '3.7' && candidate.endsWith('.incomplete') ? data.subarray(0, info.bytes) : data;
        } catch {
          // try the next
        }
      }
      return Buffer.alloc(0);
    },
    writesTo: (fileId) => writes.filter((w) => w.fileId === fileId),
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const wake of [...sleepers]) wake();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      await Promise.allSettled([...pending]);
      await store.flush();
      if (ownsStorage) await fs.rm(storageDir, { recursive: true, force: true });
    },
  };
}

function sha256Of(chunks: Buffer[]): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function randomApiKey(): string {
  const part = (n: number) => randomBytes(n).toString('base64url').replace(/[-_]/g, 'x').slice(0, n);
  return `${part(18)}:${part(18)}:${part(32)}`;
}
