import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPort } from './ports';

describe('host port finder', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-ports-'));
    process.env.KILN_RUNTIME_DIR = dir;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('picks a port in [min, max) and never hands the same port out twice while it is held', async () => {
    const leases = [];
    for (let i = 0; i < 5; i++) leases.push(await findPort({ host: '127.0.0.1', min: 41000, max: 41005 }));
    const ports = leases.map((l) => l.port).sort();
    expect(ports).toEqual([41000, 41001, 41002, 41003, 41004]);
    await expect(findPort({ host: '127.0.0.1', min: 41000, max: 41005 })).rejects.toThrow(
      'No free port between 41000 and 41004 on 127.0.0.1',
    );
    leases[2].release();
    expect((await findPort({ host: '127.0.0.1', min: 41000, max: 41005 })).port).toBe(leases[2].port);
    for (const l of leases) l.release();
  });

  it('skips ports another program listens on, and takes min itself when min == max', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(41010, '127.0.0.1', resolve));
    try {
      const lease = await findPort({ host: '127.0.0.1', min: 41010, max: 41012 });
      expect(lease.port).toBe(41011);
      lease.release();
      const single = await findPort({ host: '127.0.0.1', min: 41011, max: 41011 });
      expect(single.port).toBe(41011);
      single.release();
    } finally {
      busy.close();
    }
  });

  it('can hand over its listener (the HTTP server keeps it)', async () => {
    const lease = await findPort({ host: '127.0.0.1', min: 41020, max: 41030, keepListening: true });
    expect((lease.server.address() as AddressInfo).port).toBe(lease.port);
    await new Promise<void>((resolve) => lease.server.close(() => resolve()));
    lease.release();
  });
});
