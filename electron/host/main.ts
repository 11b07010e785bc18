/** The web host: Kiln's UI and Api on 127.0.0.1, for a browser (and the end-to-end tests). */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface HostOptions {
  port?: number;
  announce?: boolean;
}

export interface RunningHost {
  url: string;
  token: string;
  close(): Promise<void>;
}

export async function startHost(options: HostOptions = {}): Promise<RunningHost> {
  const token = randomBytes(24).toString('base64url');
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      '<!doctype html><title>Kiln</title><h1>Kiln</h1><p>The template language and <code>kiln</code> CLI exist; the editor is coming.</p>',
    );
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  if (options.announce) console.log(`Kiln is serving its UI at ${url}`);
  return {
    url,
    token,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
