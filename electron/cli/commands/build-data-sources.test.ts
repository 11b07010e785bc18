/**
 * `kiln build` runs HCL2 data sources before its builds (a real HTTP server on loopback) and stops, with
 * the data block's position, when one fails.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackHttp, type LoopbackHttp } from '../../engine/testing/http';
import { main } from '../main';

const root = mkdtempSync(join(tmpdir(), 'kiln-build-data-'));
let server: LoopbackHttp;
let base = '';

beforeAll(async () => {
  server = await startLoopbackHttp((req, res) => {
    if (req.url === '/version') {
      res.setHeader('Content-Type', 'text/plain');
      res.end('24.04\n');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  base = server.base;
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

function folder(name: string, text: string): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'main.pkr.hcl'), text);
  return d;
}

describe('kiln build with data sources', () => {
  it('uses the values, and stops with the position when one fails', async () => {
    const d = folder(
      'cli',
      `data "http" "version" {
  url = "${base}/version"
}
source "null" "a" {
  communicator = "none"
}
build {
  sources = ["source.null.a"]
  provisioner "shell-local" {
    inline = ["echo release=\${trimspace(data.http.version.body)}"]
  }
}
`,
    );
    const run = async (cwd: string) => {
      let out = '';
      const stdin = new PassThrough();
      stdin.end();
      const code = await main(['build', '-color=false', '.'], {
        stdout: { write: (t: string) => void (out += t) },
        stderr: { write: (t: string) => void (out += t) },
        stdin,
        env: { PATH: process.env.PATH },
        cwd,
        signal: new AbortController().signal,
      });
      return { code, out };
    };
    const ok = await run(d);
    expect(ok.out).toContain('null.a: release=24.04');
    expect(ok.code).toBe(0);

    const bad = folder('cli-bad', `data "http" "x" {\n  url = "${base}/gone"\n}\n`);
    const failed = await run(bad);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('Error: Datasource.Execute failed: HTTP request error. Response code: 404');
    expect(failed.out).toContain('on main.pkr.hcl line 1');
  });
});
