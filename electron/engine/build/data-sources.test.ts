/**
 * HCL2 data sources at build time, against a real HTTP server on loopback: `http` runs with Packer's
 * rules (2xx only, text warning, headers), data sources and locals may chain, cycles and failures are
 * errors at the block (electron/cli/commands/build-data-sources.test.ts runs them through `kiln build`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHost } from '../node-host';
import { startLoopbackHttp, type LoopbackHttp } from '../testing/http';
import { loadTemplate } from '../template/load';
import { hasErrors } from '../template/source';
import { toConfig } from '../template/hcl2/evaluation';
import { loadTemplateForBuild } from './data-sources';
import { canonicalHeaderName, isTextContentType, runHttpDataSource } from './http-data-source';

const root = mkdtempSync(join(tmpdir(), 'kiln-data-sources-'));
let server: LoopbackHttp;
let base = '';
const seen: { method: string; url: string; body: string; headers: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = await startLoopbackHttp((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
      if (req.url === '/version') {
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.setHeader('X-Release', ['a', 'b']);
        res.end('24.04\n');
      } else if (req.url === '/images/24.04') {
        res.setHeader('Content-Type', 'application/json');
        res.end('{"sha256":"abc123"}');
      } else if (req.url === '/binary') {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end('xyz');
      } else if (req.url === '/echo') {
        res.setHeader('Content-Type', 'text/plain');
        res.end(`${req.method} ${body} ${String(req.headers['x-token'])}`);
      } else if (req.url === '/moved') {
        res.statusCode = 302;
        res.setHeader('Location', '/version');
        res.end();
      } else {
        res.statusCode = 404;
        res.end('not here');
      }
    });
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

const say = (lines: string[]) => ({ say: (line: string) => void lines.push(line) });
const load = { vars: [] as [string, string][], varFiles: [] as string[] };

describe('the http data source', () => {
  it("recognises text as Packer does and names headers as Go's net/http does", () => {
    expect(isTextContentType('text/plain')).toBe(true);
    expect(isTextContentType('text/plain; charset=UTF-8')).toBe(true);
    expect(isTextContentType('application/json')).toBe(true);
    expect(isTextContentType('application/json; charset=latin1')).toBe(false);
    expect(isTextContentType('application/octet-stream')).toBe(false);
    expect(isTextContentType('')).toBe(false);
    expect(canonicalHeaderName('content-type')).toBe('Content-Type');
    expect(canonicalHeaderName('x-release')).toBe('X-Release');
  });

  it('returns the body and headers, follows redirects, and sends the method, headers and body', async () => {
    const warnings: string[] = [];
    const version = await runHttpDataSource(
      { url: `${base}/moved`, method: 'GET', request_headers: {}, request_body: '' },
      { warn: (l) => warnings.push(l) },
    );
    expect(version.body).toBe('24.04\n');
    expect(version.url).toBe(`${base}/moved`);
    expect(version.responseHeaders['Content-Type']).toBe('text/plain; charset=utf-8');
    expect(version.responseHeaders['X-Release']).toBe('a, b');
    expect(warnings).toEqual([]);

    const echo = await runHttpDataSource(
      { url: `${base}/echo`, method: 'POST', request_headers: { 'X-Token': 's3' }, request_body: 'hi' },
      { warn: (l) => warnings.push(l) },
    );
    expect(echo.body).toBe('POST hi s3');
  });

  it("fails on a non-2xx answer with Packer's text, and warns about binary bodies", async () => {
    await expect(
      runHttpDataSource(
        { url: `${base}/nothing`, method: 'GET', request_headers: {}, request_body: '' },
        { warn: () => {} },
      ),
    ).rejects.toThrow('HTTP request error. Response code: 404');
    const warnings: string[] = [];
    const binary = await runHttpDataSource(
      { url: `${base}/binary`, method: 'GET', request_headers: {}, request_body: '' },
      { warn: (l) => warnings.push(l) },
    );
    expect(binary.body).toBe('xyz');
    expect(warnings[0]).toBe('Content-Type is not recognized as a text type, got "application/octet-stream"');
  });

  it('names the URL when the server cannot be reached', async () => {
    // A port that was just free: nothing listens there any more.
    const closed = await startLoopbackHttp(() => undefined);
    const url = `${closed.base}/x`;
    await closed.close();
    await expect(
      runHttpDataSource({ url, method: 'GET', request_headers: {}, request_body: '' }, { warn: () => {} }),
    ).rejects.toThrow(`GET ${url}: connect ECONNREFUSED`);
  });
});

describe('loading a template for a build', () => {
  it('runs data sources in the order their configs become known, through locals', async () => {
    const d = folder(
      'chain',
      `data "http" "version" {
  url = "${base}/version"
}
locals {
  release = trimspace(data.http.version.body)
}
data "http" "image" {
  url = "${base}/images/\${local.release}"
}
locals {
  sha = jsondecode(data.http.image.body).sha256
}
source "null" "a" {
  communicator = "none"
}
build {
  sources = ["source.null.a"]
  provisioner "shell-local" {
    inline = ["echo \${local.release} \${local.sha}"]
  }
}
`,
    );
    const host = nodeHost({ cwd: d, env: {} });
    // Validate (and the editor) leave them unknown and reach nothing.
    const before = seen.length;
    expect(hasErrors(loadTemplate(d, load, host).diagnostics)).toBe(false);
    expect(seen.length).toBe(before);

    const lines: string[] = [];
    const { template, dataValues } = await loadTemplateForBuild(d, load, host, say(lines));
    expect(template.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    expect(toConfig(dataValues.get('data.http.image')!)).toMatchObject({ body: '{"sha256":"abc123"}' });
    const local = template.locals.find((l) => l.name === 'sha');
    expect(local?.display).toBe('abc123');
    expect(seen.slice(before).map((r) => r.url)).toEqual(['/version', '/images/24.04']);
  });

  it('reports a failed request at its data block, and a cycle at every block in it', async () => {
    const failing = folder(
      'failing',
      `data "http" "gone" {
  url = "${base}/gone"
}
source "null" "a" {
  communicator = "none"
}
build {
  sources = ["source.null.a"]
}
`,
    );
    const failed = await loadTemplateForBuild(failing, load, nodeHost({ cwd: failing, env: {} }), say([]));
    const error = failed.template.diagnostics.find((x) => x.severity === 'error');
    expect(error?.summary).toBe('Datasource.Execute failed: HTTP request error. Response code: 404');
    expect(error?.range?.start.line).toBe(1);

    const cycle = folder(
      'cycle',
      `data "http" "a" {
  url = "${base}/\${data.http.b.body}"
}
data "http" "b" {
  url = "${base}/\${data.http.a.body}"
}
source "null" "a" {
  communicator = "none"
}
build {
  sources = ["source.null.a"]
}
`,
    );
    const stuck = await loadTemplateForBuild(cycle, load, nodeHost({ cwd: cycle, env: {} }), say([]));
    const errors = stuck.template.diagnostics.filter((x) => x.severity === 'error');
    expect(errors.map((e) => [e.summary, e.range?.start.line])).toEqual([
      ['data.http.a cannot run', 1],
      ['data.http.b cannot run', 4],
    ]);
  });
});
