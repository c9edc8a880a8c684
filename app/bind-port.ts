import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { PipelineJobsError } from '../errors/index.js';

/**
 * A port bound before the service behind it exists, so that a port in use fails the start before
 * anything is opened or created. Requests that arrive meanwhile wait for {@link serve}.
 */
export interface BoundPort {
  readonly server: Server;
  /** `http://host:port`, with the port the system chose when 0 was asked for. */
  readonly url: string;
  /** Hands every request to `handler`, those that arrived before first. */
  serve(handler: RequestListener): void;
  /**
   * Stops accepting connections and resolves once every connection has ended: idle ones at once,
   * the others when their response is done or, at the latest, after `graceMs`.
   */
  close(graceMs: number): Promise<void>;
}

/** OS errors of `listen` that a configuration change fixes, and what to say about each. */
const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'is already in use (is another pjm running?)',
  EACCES: 'needs privileges this process does not have',
  EADDRNOTAVAIL: 'is not an address of this host',
};

/**
 * Listens on `host:port`. A port in use (or not allowed) is refused as `invalid_config` naming
 * `variable`, the setting to change, instead of surfacing as a stack trace.
 */
export async function bindPort(host: string, port: number, variable: string): Promise<BoundPort> {
  const held: Array<[IncomingMessage, ServerResponse]> = [];
  const hold = (request: IncomingMessage, response: ServerResponse): void => void held.push([request, response]);
  const server = createServer(hold);
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  } catch (err) {
    const reason = LISTEN_ERRORS[(err as NodeJS.ErrnoException).code ?? ''];
    if (reason === undefined) throw err;
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    throw new PipelineJobsError(
      'invalid_config',
      `cannot listen on ${where}: it ${reason}; choose another port with ${variable} (0 picks a free one)`,
      {
        errors: [{ key: variable, reason: `${where} ${reason}` }],
      },
    );
  }
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    serve(handler) {
      server.off('request', hold).on('request', handler);
      for (const [request, response] of held.splice(0)) handler(request, response);
    },
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A connection goes idle when its last response is done; nothing announces it, so look often.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
    },
  };
}
