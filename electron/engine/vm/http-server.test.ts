import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpSource } from './http-server';
import { cleanPath, httpServer, parseRange, sniffContentType } from './http-server';

async function serve(source: HttpSource): Promise<{ url: string; server: Server }> {
  const server = httpServer(source);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('http_directory (Go http.FileServer semantics)', () => {
  let root: string;
  let url: string;
  let server: Server;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'kiln-http-'));
    mkdirSync(join(root, 'preseed'));
    mkdirSync(join(root, 'site'));
    writeFileSync(join(root, 'preseed', 'ks.cfg'), 'text\nreboot\n');
    writeFileSync(join(root, 'site', 'index.html'), '<html>index</html>');
    writeFileSync(join(root, 'a b.txt'), 'spaced');
    writeFileSync(join(root, 'blob.bin'), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    utimesSync(
      join(root, 'preseed', 'ks.cfg'),
      new Date('2024-01-01T00:00:00Z'),
      new Date('2024-01-01T00:00:00Z'),
    );
    ({ url, server } = await serve({ directory: root }));
  });
  afterAll(() => {
    server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves files with their type and Last-Modified', async () => {
    const res = await fetch(`${url}/preseed/ks.cfg`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('text\nreboot\n');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('last-modified')).toBe('Mon, 01 Jan 2024 00:00:00 GMT');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect((await fetch(`${url}/a%20b.txt`)).status).toBe(200);
    expect((await fetch(`${url}/blob.bin`)).headers.get('content-type')).toBe('application/octet-stream');
  });

  it('answers 404 with Go’s text and keeps requests inside the folder', async () => {
    const res = await fetch(`${url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('404 page not found\n');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${url}/../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${url}/%2e%2e/%2e%2e/etc/hostname`)).status).toBe(404);
  });

  it('redirects folders without a slash, files with one, and /index.html', async () => {
    const dir = await fetch(`${url}/preseed`, { redirect: 'manual' });
    expect(dir.status).toBe(301);
    expect(dir.headers.get('location')).toBe('preseed/');
    const file = await fetch(`${url}/preseed/ks.cfg/`, { redirect: 'manual' });
    expect(file.status).toBe(301);
    expect(file.headers.get('location')).toBe('../ks.cfg');
    const index = await fetch(`${url}/site/index.html`, { redirect: 'manual' });
    expect(index.status).toBe(301);
    expect(index.headers.get('location')).toBe('./');
  });

  it('serves index.html for a folder, else a listing', async () => {
    expect(await (await fetch(`${url}/site/`)).text()).toBe('<html>index</html>');
    const listing = await (await fetch(`${url}/`)).text();
    expect(listing).toBe(
      '<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n' +
        '<a href="a%20b.txt">a b.txt</a>\n<a href="blob.bin">blob.bin</a>\n<a href="preseed/">preseed/</a>\n<a href="site/">site/</a>\n</pre>\n',
    );
  });

  it('answers Range and If-Modified-Since requests, and HEAD', async () => {
    const part = await fetch(`${url}/blob.bin`, { headers: { Range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([2, 3, 4]);
    const tail = await fetch(`${url}/blob.bin`, { headers: { Range: 'bytes=-3' } });
    expect([...new Uint8Array(await tail.arrayBuffer())]).toEqual([7, 8, 9]);
    expect((await fetch(`${url}/blob.bin`, { headers: { Range: 'bytes=20-' } })).status).toBe(416);
    const cached = await fetch(`${url}/preseed/ks.cfg`, {
      headers: { 'If-Modified-Since': 'Tue, 02 Jan 2024 00:00:00 GMT' },
    });
    expect(cached.status).toBe(304);
    const head = await fetch(`${url}/preseed/ks.cfg`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('12');
  });
});

describe('http_content (Packer MapServer)', () => {
  it('serves the map by cleaned path and says what it has when a path is missing', async () => {
    const { url, server } = await serve({ content: { '/user-data': '#cloud-config\n', '/meta-data': '' } });
    try {
      expect(await (await fetch(`${url}/user-data`)).text()).toBe('#cloud-config\n');
      expect(await (await fetch(`${url}/x/../user-data`)).text()).toBe('#cloud-config\n');
      const near = await fetch(`${url}/user-dat`);
      expect(near.status).toBe(404);
      expect(await near.text()).toBe('/user-dat not found. Did you mean "/user-data"?\n');
      expect(await (await fetch(`${url}/elsewhere`)).text()).toBe('/elsewhere not found.\n');
      expect((await fetch(`${url}/meta-data`)).status).toBe(200);
    } finally {
      server.close();
    }
  });
});

describe('helpers', () => {
  it('cleans paths like Go’s path.Clean', () => {
    expect(cleanPath('/a/./b/../c/')).toBe('/a/c');
    expect(cleanPath('a')).toBe('/a');
    expect(cleanPath('/../..')).toBe('/');
  });
  it('parses single ranges', () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange('bytes=0-', 10)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=5-100', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=10-', 10)).toBeNull();
  });
  it('sniffs content like http.DetectContentType for common installer files', () => {
    expect(sniffContentType(Buffer.from('  <!DOCTYPE html><p>'))).toBe('text/html; charset=utf-8');
    expect(sniffContentType(Buffer.from('<?xml version="1.0"?>'))).toBe('text/xml; charset=utf-8');
    expect(sniffContentType(Buffer.from('#cloud-config\n'))).toBe('text/plain; charset=utf-8');
    expect(sniffContentType(Buffer.from([0x1f, 0x8b, 0x08, 0]))).toBe('application/x-gzip');
  });
});
