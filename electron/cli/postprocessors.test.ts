import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildSpec } from '../engine/testing/plans';
import { planBuild, substituteFields } from '../engine/testing/plans';
import { packerAvailable, runPacker } from '../engine/testing/packer';
import { runForTerminal } from './build-run';
import { normalise } from '../engine/testing/normalise';

const root = mkdtempSync(join(tmpdir(), 'kiln-pp-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function kiln(spec: BuildSpec, cwd: string, force = false) {
  let out = '';
  const code = await runForTerminal([planBuild(spec, { render: substituteFields, cwd })], {
    run: { debug: false, force, onError: 'cleanup', parallel: 1, cwd },
    printer: { color: false, timestamp: false, machineReadable: false, write: (t) => (out += t) },
    signal: new AbortController().signal,
  });
  return { code, out: normalise(out) };
}

function tree(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = statSync(p).size;
    }
  };
  walk(dir);
  return out;
}

const hasTool = (t: string) => existsSync(`/usr/bin/${t}`);

// The template both run: JSON for packer, the same components by hand for Kiln.
const PIPELINE_JSON = {
  builders: [{ type: 'file', content: 'hello world\n', target: 'art/hello.txt' }],
  'post-processors': [
    [
      { type: 'compress', output: 'out/{{.BuildName}}-{{.BuilderType}}.tar.gz' },
      { type: 'checksum', checksum_types: ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] },
      { type: 'manifest', output: 'm.json', custom_data: { b: 'two', a: 'one<&>' } },
    ],
    { type: 'compress', output: 'x.zip', keep_input_artifact: true },
    { type: 'compress', output: 'x.gz', compression_level: 9 },
    { type: 'compress', output: 'x.tar.lz4' },
    { type: 'compress', output: 'plain.tar' },
    [
      { type: 'artifice', files: ['art/*'] },
      { type: 'manifest', output: 'm2.json', strip_path: true, strip_time: true },
    ],
  ],
};

function specFromJson(json: typeof PIPELINE_JSON): BuildSpec {
  const [builder] = json.builders;
  const { type, ...config } = builder;
  return {
    name: 'file',
    builder: { type, config },
    postProcessors: json['post-processors'].map((seq) =>
      (Array.isArray(seq) ? seq : [seq]).map((pp) => {
        const {
          type: ppType,
          keep_input_artifact,
          ...ppConfig
        } = pp as Record<string, unknown> & { type: string };
        return {
          type: ppType,
          config: ppConfig,
          ...(typeof keep_input_artifact === 'boolean' ? { keep_input_artifact } : {}),
        };
      }),
    ),
  };
}

function tarEntries(tar: Buffer): Array<{ header: string; size: number }> {
  const out = [];
  for (let off = 0; off + 512 <= tar.length;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/, ''), 8);
    out.push({ header: h.toString('hex'), size });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('post-processors', () => {
  it('produce what packer 1.6.6 produces: files, checksums, manifests, archives', async () => {
    const kDir = join(root, 'kiln');
    mkdirSync(kDir);
    const k = await kiln(specFromJson(PIPELINE_JSON), kDir);
    expect(k.code).toBe(0);
    expect(k.out).toContain('==> file (compress): Using pgzip compression with');
    expect(k.out).toContain('==> file (compress): Tarring out/file-file.tar.gz with pgzip\n');
    expect(k.out).toContain('--> file: compressed artifacts in: x.zip\n');

    // The archives are real: other tools read them.
    const tgz = readFileSync(join(kDir, 'out/file-file.tar.gz'));
    expect(tarEntries(gunzipSync(tgz)).map((e) => e.size)).toEqual([12]);
    expect(gunzipSync(readFileSync(join(kDir, 'x.gz'))).toString()).toBe('hello world\n');
    if (hasTool('unzip')) {
      expect(execFileSync('unzip', ['-p', join(kDir, 'x.zip'), 'art/hello.txt']).toString()).toBe(
        'hello world\n',
      );
    }
    if (hasTool('lz4')) {
      const tar = execFileSync('lz4', ['-dc', join(kDir, 'x.tar.lz4')]);
      expect(tar.subarray(512, 524).toString()).toBe('hello world\n');
    }
    const manifest = JSON.parse(readFileSync(join(kDir, 'm.json'), 'utf8'));
    expect(manifest.builds[0].custom_data).toEqual({ a: 'one<&>', b: 'two' });
    expect(readFileSync(join(kDir, 'm.json'), 'utf8')).toContain('"a": "one\\u003c\\u0026\\u003e"');

    if (!packerAvailable()) {
      console.warn('skipping the packer comparison: packer 1.6.6 is not at /usr/bin/packer');
      return;
    }
    const pDir = join(root, 'packer');
    mkdirSync(pDir);
    writeFileSync(join(pDir, 't.json'), JSON.stringify(PIPELINE_JSON));
    const p = runPacker(['build', '-color=false', 't.json'], pDir);
    expect(p.code).toBe(k.code);
    expect(k.out.split('\n').filter((l) => !l.includes('cores for'))).toEqual(
      normalise(p.out)
        .split('\n')
        .filter((l) => !l.includes('cores for')),
    );
    // Same files, same sizes, except the compressed ones (another compressor) and packer's template.
    const kt = tree(kDir);
    const pt = tree(pDir);
    delete pt['t.json'];
    const compressed = ['out/file-file.tar.gz', 'x.gz', 'x.zip', 'x.tar.lz4'];
    expect(Object.keys(kt).sort()).toEqual(Object.keys(pt).sort());
    for (const f of Object.keys(kt).filter(
      (f) => !compressed.includes(f) && !f.endsWith('.checksum') && !f.startsWith('m'),
    )) {
      expect([f, kt[f]]).toEqual([f, pt[f]]);
    }
    // Checksum files: the same lines, except the hashes of the (differently compressed) tarball.
    for (const f of Object.keys(kt).filter((f) => f.endsWith('.checksum'))) {
      const shape = (dir: string) => readFileSync(join(dir, f), 'utf8').replace(/^[0-9a-f]+\t/gm, 'H\t');
      expect(shape(kDir)).toBe(shape(pDir));
    }
    // Tar headers are byte-equal to Go's; the tar streams inside gzip and lz4 are equal as a whole.
    const ktar = gunzipSync(tgz);
    const ptar = gunzipSync(readFileSync(join(pDir, 'out/file-file.tar.gz')));
    expect(ktar.equals(ptar)).toBe(true);
    expect(readFileSync(join(kDir, 'plain.tar')).equals(readFileSync(join(pDir, 'plain.tar')))).toBe(true);
    if (hasTool('lz4')) {
      expect(
        execFileSync('lz4', ['-dc', join(kDir, 'x.tar.lz4')]).equals(
          execFileSync('lz4', ['-dc', join(pDir, 'x.tar.lz4')]),
        ),
      ).toBe(true);
    }
    if (hasTool('unzip')) {
      const names = (dir: string) =>
        execFileSync('unzip', ['-Z1', join(dir, 'x.zip')])
          .toString()
          .trim();
      expect(names(kDir)).toBe(names(pDir));
    }
    // Manifests, modulo build times and run UUIDs.
    const shape = (dir: string, f: string) =>
      readFileSync(join(dir, f), 'utf8')
        .replace(/"build_time": \d+/g, '"build_time": T')
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID')
        .replace(/"size": \d+/g, (m) => m);
    const kManifest = shape(kDir, 'm.json').replace(/"size": \d+/, '"size": S');
    const pManifest = shape(pDir, 'm.json').replace(/"size": \d+/, '"size": S');
    expect(kManifest.replace(/[0-9a-f]{32,}/g, 'H')).toBe(pManifest.replace(/[0-9a-f]{32,}/g, 'H'));
    expect(shape(kDir, 'm2.json')).toBe(shape(pDir, 'm2.json'));
  });

  it('compresses data larger than one block, in parallel, into valid gzip and lz4', async () => {
    const dir = join(root, 'big');
    mkdirSync(dir);
    // Some incompressible data, some very compressible, across several 1 MiB blocks.
    const data = Buffer.concat([
      randomBytes(1_500_000),
      Buffer.alloc(2_000_000, 'kiln '),
      randomBytes(700_001),
    ]);
    writeFileSync(join(dir, 'big.bin'), data);
    const k = await kiln(
      {
        name: 'file',
        builder: { type: 'file', config: { source: 'big.bin', target: 'copy.bin' } },
        postProcessors: [
          [{ type: 'compress', config: { output: 'big.gz' }, keep_input_artifact: true }],
          [{ type: 'compress', config: { output: 'big.lz4' }, keep_input_artifact: true }],
        ],
      },
      dir,
    );
    expect(k.code).toBe(0);
    expect(gunzipSync(readFileSync(join(dir, 'big.gz'))).equals(data)).toBe(true);
    if (hasTool('gzip')) execFileSync('gzip', ['-t', join(dir, 'big.gz')]);
    if (hasTool('lz4'))
      expect(execFileSync('lz4', ['-dc', join(dir, 'big.lz4')], { maxBuffer: 1e8 }).equals(data)).toBe(true);
  });

  it('deletes the builder artifact unless a post-processor keeps it, and appends to a manifest', async () => {
    const dir = join(root, 'keep');
    mkdirSync(dir);
    const spec: BuildSpec = {
      name: 'file',
      builder: { type: 'file', config: { content: 'x', target: 'a.txt' } },
      postProcessors: [
        [
          { type: 'compress', config: { output: 'a.tar' } },
          { type: 'manifest', config: {} },
        ],
      ],
    };
    await kiln(spec, dir);
    expect(existsSync(join(dir, 'a.txt'))).toBe(false);
    await kiln(spec, dir);
    const m = JSON.parse(readFileSync(join(dir, 'packer-manifest.json'), 'utf8'));
    expect(m.builds).toHaveLength(2);
    expect(m.builds[0].packer_run_uuid).not.toBe(m.builds[1].packer_run_uuid);
    await kiln(spec, dir, true);
    expect(JSON.parse(readFileSync(join(dir, 'packer-manifest.json'), 'utf8')).builds).toHaveLength(1);
  });
});
