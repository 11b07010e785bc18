import { describe, expect, it } from 'vitest';
import { bytesFromProgress, findUploadTarget, reconcileOffset } from './resume';
import {
  compareSetVersions,
  setsNewestFirst,
  type BootResource,
  type BootResourceFile,
  type BootResourceSet,
} from './types';

const SHA = 'a'.repeat(64);

function file(over: Partial<BootResourceFile> = {}): BootResourceFile {
  return {
    filename: 'root.tgz',
    filetype: 'root-tgz',
    sha256: SHA,
    size: 1000,
    complete: false,
    progress: 0,
    upload_uri: '/MAAS/api/2.0/boot-resources/1/upload/2/',
    filename_on_disk: 'aaaaaaa',
    ...over,
  };
}

function set(version: string, f: BootResourceFile, progress: number | undefined): BootResourceSet {
  return {
    version,
    label: 'uploaded',
    size: f.size,
    complete: f.complete,
    progress,
    files: { [f.filename]: f },
  };
}

describe('set versions', () => {
  it('orders YYYYmmdd.N numerically (".10" after ".9"), whatever order JavaScript gives integer-like keys', () => {
    expect(compareSetVersions('20250301.10', '20250301.9')).toBeGreaterThan(0);
    expect(compareSetVersions('20250302', '20250301.10')).toBeGreaterThan(0);
    expect(compareSetVersions('20250301', '20250301.1')).toBeLessThan(0);
    const resource = {
      sets: {
        '20250301': set('20250301', file(), 0),
        '20250301.9': set('20250301.9', file(), 0),
        '20250301.10': set('20250301.10', file(), 0),
      },
    } as unknown as BootResource;
    expect(setsNewestFirst(resource).map((s) => s.version)).toEqual([
      '20250301.10',
      '20250301.9',
      '20250301',
    ]);
  });

  it('finds the newest set holding the content', () => {
    const resource = {
      sets: {
        '20250301': set('20250301', file(), 0),
        '20250301.1': set('20250301.1', file({ sha256: 'b'.repeat(64) }), 0),
      },
    } as unknown as BootResource;
    expect(findUploadTarget(resource, SHA, 1000)?.set.version).toBe('20250301');
    expect(findUploadTarget(resource, SHA, 999)).toBeUndefined();
  });
});

describe('bytesFromProgress (reference §3.5)', () => {
  it('3.5+: round(set.progress × set.size / 100)', () => {
    const f = file({ size: 13_631_565, progress: (100 * 8_388_608) / 13_631_565 });
    expect(bytesFromProgress({ set: set('1', f, (100 * 8_388_608) / 13_631_565), file: f })).toBe(8_388_608);
  });

  it('is exact for every 4 MiB boundary of a 5 TiB file', () => {
    const size = 5 * 2 ** 40 + 12345;
    for (let bytes = 0; bytes < size; bytes += 4 * 2 ** 20 * 997) {
      const progress = (100 * bytes) / size;
      const f = file({ size, progress });
      expect(bytesFromProgress({ set: set('1', f, progress), file: f })).toBe(bytes);
    }
  });

  it('≤3.4: the inverted file progress (total/size) when the set has none', () => {
    const f = file({ size: 1000, progress: 1000 / 250, filename_on_disk: undefined });
    expect(bytesFromProgress({ set: { ...set('1', f, undefined), files: { a: f, b: f } }, file: f })).toBe(
      250,
    );
  });

  it('a complete file is all there', () => {
    const f = file({ complete: true, progress: undefined, upload_uri: undefined });
    expect(bytesFromProgress({ set: set('1', f, undefined), file: f })).toBe(1000);
  });
});

describe('reconcileOffset', () => {
  it('accepts the offset before or after the chunk in doubt', () => {
    expect(reconcileOffset(4096, [4096, 8192], 1)).toEqual({ ok: true, offset: 4096, regions: 1 });
    expect(reconcileOffset(8192, [4096, 8192], 1)).toEqual({ ok: true, offset: 8192, regions: 1 });
  });

  it('with several regions, scales the progress back up', () => {
    expect(reconcileOffset(Math.round(8_388_608 / 3), [4_194_304, 8_388_608], 3)).toEqual({
      ok: true,
      offset: 8_388_608,
      regions: 3,
    });
  });

  it('without the region count: sure only when one candidate fits (E/2 = (E+len)/3 is ambiguous)', () => {
    expect(reconcileOffset(4096, [0, 4096])).toEqual({ ok: true, offset: 4096, regions: 1 });
    expect(reconcileOffset(2048, [0, 4096])).toEqual({ ok: true, offset: 4096, regions: 2 });
    expect(reconcileOffset(0, [0, 4096])).toEqual({ ok: true, offset: 0, regions: 1 });
    expect(reconcileOffset(1_048_576, [2_097_152, 3_145_728])).toEqual({ ok: false, ambiguous: true });
  });

  it('refuses anything else: bytes the uploader cannot vouch for', () => {
    expect(reconcileOffset(5000, [4096, 8192], 1)).toEqual({ ok: false, ambiguous: false });
    expect(reconcileOffset(12_288, [4096, 8192], 1)).toEqual({ ok: false, ambiguous: false });
  });
});
