import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MaasClient } from '../api';
import { parseFault } from './cli';

const repoRoot = path.resolve(__dirname, '../../../..');

describe('the fake region from a shell', () => {
  it('parses --fault KIND:options', () => {
    expect(parseFault('reset-after-commit:nth=3')).toEqual({ kind: 'reset-after-commit', match: { nth: 3 } });
    expect(parseFault('slow:final=true,delayMs=20000')).toEqual({
      kind: 'slow',
      match: { final: true },
      delayMs: 20000,
    });
    expect(parseFault('status:status=503,method=GET,times=2')).toEqual({
      kind: 'status',
      status: 503,
      times: 2,
      match: { method: 'GET' },
    });
    expect(() => parseFault('explode')).toThrow(/unknown fault "explode"/);
    expect(() => parseFault('slow:colour=red')).toThrow(/unknown fault option "colour"/);
  });

  it('starts, prints its URL and admin key, serves, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'scripts/fake-maas-region.mjs'), '--quiet', '--version', '3.4'],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let out = '';
      const banner = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Try:')) resolve(out);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const url = /^Fake MAAS 3\.4 region at (\S+)$/m.exec(banner)?.[1] as string;
      const apiKey = /^Admin API key: (\S+)$/m.exec(banner)?.[1] as string;
      const client = new MaasClient({ url, apiKey });
      expect((await client.version()).version).toMatch(/^3\.4\./);
      expect(await client.whoami()).toMatchObject({ username: 'admin', is_superuser: true });
      client.close();
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
