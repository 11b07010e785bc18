/**
 * Port forwards kept open with an SSH connection, as Packer's `ssh_remote_tunnels` (the guest listens
 * on localhost:PORT, each connection is carried back and dialled from this machine) and
 * `ssh_local_tunnels` (this machine listens on localhost:PORT, each connection is dialled from the
 * guest). They end with the connection; a reconnect opens them again.
 */
import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
import type { ClientChannel, Client, TcpConnectionDetails } from 'ssh2';
import type { TunnelArgument } from '../../template/schema/index';

export interface TunnelSpec extends TunnelArgument {
  direction: 'local' | 'remote';
  /** As the template writes it, for messages. */
  text: string;
}

/** Both directions of a tunnelled connection, each end closing the other. */
function join(a: Socket, b: ClientChannel): void {
  a.pipe(b).pipe(a);
  const close = () => {
    a.destroy();
    b.close();
  };
  a.once('close', close);
  a.once('error', close);
  b.once('close', close);
  b.once('error', close);
}

function listenLocal(client: Client, tunnel: TunnelSpec): Promise<Server> {
  const server = createServer((socket) => {
    client.forwardOut(
      socket.remoteAddress ?? '127.0.0.1',
      socket.remotePort ?? 0,
      tunnel.forwardHost,
      tunnel.forwardPort,
      (err, channel) => {
        if (err) return void socket.destroy();
        join(socket, channel);
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(new Error(`Tunnel: Failed to bind local (${tunnel.text}): ${err.message}`)),
    );
    // Go's net.Listen("tcp", "localhost:PORT") binds the first address localhost resolves to.
    server.listen(tunnel.listenPort, '127.0.0.1', () => resolve(server));
  });
}

function listenRemote(client: Client, tunnel: TunnelSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    client.forwardIn('localhost', tunnel.listenPort, (err) =>
      err ? reject(new Error(`Tunnel: Failed to bind remote (${tunnel.text}): ${err.message}`)) : resolve(),
    );
  });
}

/** Opens every tunnel on a fresh connection; they close with it. Rejects when one cannot bind. */
export async function openTunnels(client: Client, tunnels: readonly TunnelSpec[]): Promise<void> {
  if (tunnels.length === 0) return;
  const servers: Server[] = [];
  const remote = tunnels.filter((t) => t.direction === 'remote');
  const onIncoming = (details: TcpConnectionDetails, accept: () => ClientChannel, reject: () => void) => {
    const tunnel = remote.find((t) => t.listenPort === details.destPort);
    if (!tunnel) return reject();
    const upstream = tcpConnect({ host: tunnel.forwardHost, port: tunnel.forwardPort });
    upstream.once('connect', () => join(upstream, accept()));
    upstream.once('error', () => reject());
  };
  if (remote.length) client.on('tcp connection', onIncoming);
  client.once('close', () => {
    client.off('tcp connection', onIncoming);
    for (const server of servers) server.close();
  });
  try {
    for (const tunnel of tunnels) {
      if (tunnel.direction === 'local') servers.push(await listenLocal(client, tunnel));
      else await listenRemote(client, tunnel);
    }
  } catch (err) {
    for (const server of servers) server.close();
    throw err;
  }
}
