/**
 * A TCP connection made through a SOCKS5 proxy (RFC 1928, with RFC 1929 username/password), as Packer's
 * `ssh_proxy_*` keys ask: the proxy resolves the machine's host name itself (a domain-name address), so
 * a name only the proxy's network knows still works. Error texts follow Go's x/net/proxy.
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';

export interface SocksProxy {
  host: string;
  port: number;
  /** RFC 1929 credentials; without them only "no authentication" is offered. */
  username?: string;
  password?: string;
}

/** The proxy refused Kiln's credentials (or asks for some): retrying cannot help. */
export class SocksAuthError extends Error {}

const REPLIES: Record<number, string> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** Reads exactly `n` bytes from a socket that is not yet flowing anywhere else. */
function readBytes(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let have = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      have = Buffer.concat([have, chunk]);
      if (have.length < n) return;
      done();
      // Bytes past the reply belong to the tunnelled stream (the SSH banner): hand them back.
      if (have.length > n) socket.unshift(have.subarray(n));
      resolve(have.subarray(0, n));
    };
    const onEnd = () => {
      done();
      reject(new Error('EOF'));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const done = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.pause();
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    socket.resume();
  });
}

function address(host: string, port: number): Buffer {
  const portBytes = Buffer.from([port >> 8, port & 0xff]);
  if (isIP(host) === 4) return Buffer.concat([Buffer.from([1, ...host.split('.').map(Number)]), portBytes]);
  if (isIP(host) === 6) {
    const groups = host.split('::');
    const head = groups[0] ? groups[0].split(':') : [];
    const tail = groups.length > 1 && groups[1] ? groups[1].split(':') : [];
    const all = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
    const bytes = Buffer.alloc(16);
    all.forEach((g, i) => bytes.writeUInt16BE(parseInt(g || '0', 16), i * 2));
    return Buffer.concat([Buffer.from([4]), bytes, portBytes]);
  }
  const name = Buffer.from(host);
  if (name.length > 255) throw new Error(`host name too long: ${host}`);
  return Buffer.concat([Buffer.from([3, name.length]), name, portBytes]);
}

/**
 * Asks the proxy, over an open connection to it, to connect to host:port; resolves when the socket
 * carries that connection.
 */
export async function socksConnect(
  socket: Socket,
  proxy: SocksProxy,
  host: string,
  port: number,
): Promise<void> {
  const where = `socks connect tcp ${proxy.host}:${proxy.port}->${host}:${port}`;
  const withAuth = proxy.username !== undefined && proxy.username !== '';
  try {
    socket.pause();
    socket.write(Buffer.from(withAuth ? [5, 2, 0, 2] : [5, 1, 0]));
    const [version, method] = await readBytes(socket, 2);
    if (version !== 5) throw new Error(`unexpected protocol version ${version}`);
    if (method === 0xff)
      throw new SocksAuthError(
        withAuth
          ? 'no acceptable authentication methods'
          : 'no acceptable authentication methods (does the proxy need ssh_proxy_username and ssh_proxy_password?)',
      );
    if (method === 2) {
      if (!withAuth)
        throw new SocksAuthError('the proxy asks for a username and password (ssh_proxy_username)');
      const user = Buffer.from(proxy.username ?? '');
      const pass = Buffer.from(proxy.password ?? '');
      if (user.length > 255 || pass.length > 255) throw new Error('username or password too long');
      socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
      const [, status] = await readBytes(socket, 2);
      if (status !== 0) throw new SocksAuthError('username/password authentication failed');
    } else if (method !== 0) {
      throw new Error(`unsupported authentication method ${method}`);
    }
    socket.write(Buffer.concat([Buffer.from([5, 1, 0]), address(host, port)]));
    const [replyVersion, reply, , addressType] = await readBytes(socket, 4);
    if (replyVersion !== 5) throw new Error(`unexpected protocol version ${replyVersion}`);
    if (reply !== 0) throw new Error(REPLIES[reply] ?? `unknown error ${reply}`);
    // The bound address the proxy reports: read past it.
    const rest = addressType === 1 ? 4 : addressType === 4 ? 16 : (await readBytes(socket, 1))[0];
    await readBytes(socket, rest + 2);
  } catch (err) {
    socket.destroy();
    const Type = err instanceof SocksAuthError ? SocksAuthError : Error;
    throw new Type(`${where}: ${(err as Error).message}`, { cause: err });
  }
}
