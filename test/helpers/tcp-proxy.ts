import { createServer, connect, type Server, type Socket } from 'node:net';

/** A TCP proxy a test can take down and bring back, to simulate a server outage without touching the server. */
export interface TcpProxy {
  /** The local port clients connect to. */
  readonly port: number;
  /** Drops every proxied connection and refuses new ones until {@link up}. */
  down(): Promise<void>;
  /**
   * Stops forwarding bytes either way while keeping every connection open: a server that hangs
   * without hanging up. New connections are still accepted, and hang too.
   */
  freeze(): void;
  /** Accepts connections again, on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) to `targetHost:targetPort`. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const pairs = new Set<readonly [Socket, Socket]>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  let server: Server | undefined;
  const listen = (port: number): Promise<Server> =>
    new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        track(client);
        track(upstream);
        const pair = [client, upstream] as const;
        client.on('close', () => {
          pairs.delete(pair);
          upstream.destroy();
        });
        upstream.on('close', () => client.destroy());
        pairs.add(pair);
        if (frozen) return;
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    frozen = false;
    for (const socket of sockets) socket.destroy();
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  server = await listen(0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  const port = address.port;
  return {
    port,
    down: stop,
    freeze: () => {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    up: async () => {
      server ??= await listen(port);
    },
    close: stop,
  };
}

/** A proxy in front of the server of `url`, and the same URL pointed at the proxy. */
export async function proxyInFrontOf(url: string, defaultPort: number): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(url);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || defaultPort));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return { proxy, url: proxied.toString() };
}
