import type { FastifyInstance } from 'fastify';
import type { EventBus } from '../../ports/event-bus.js';
import type { StateNotification } from '../../protocol/state-notification.js';

interface ChangesQuery {
  pipeline?: string;
  uuid?: string;
}

/** Seconds between keep-alive comments, so proxies do not close an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * `GET /changes`: the state notifications (`pipelinejobs.state`) as a server-sent event stream,
 * one `data:` line of JSON per applied event, optionally only one pipeline's or one job's. It is
 * what `pjm watch` reads (and the dashboard, at its own path, left out of the OpenAPI document).
 * A change while no one listens is not replayed: the history is the record.
 */
export function registerChangesRoute(
  app: FastifyInstance,
  bus: EventBus,
  mount: { readonly path: string; readonly hidden: boolean } = { path: '/changes', hidden: false },
): void {
  const open = new Set<() => void>();
  let closing = false;
  // Streams never end by themselves. preClose, not onClose: fastify closes the server (and waits
  // for every connection) before it runs onClose hooks, so an open stream would hold it forever.
  app.addHook('preClose', async () => {
    closing = true;
    for (const end of [...open]) end();
  });
  app.get<{ Querystring: ChangesQuery }>(
    mount.path,
    {
      schema: {
        hide: mount.hidden,
        summary: 'Live state changes (server-sent events)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            pipeline: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
            uuid: { type: 'string', format: 'uuid' },
          },
        },
      },
    },
    async (request, reply) => {
      const { pipeline, uuid } = request.query;
      const wanted = uuid?.toLowerCase();
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      out.flushHeaders();
      const send = (n: StateNotification): void => {
        if (wanted === undefined || n.uuid === wanted) out.write(`event: state\ndata: ${JSON.stringify(n)}\n\n`);
      };
      let subscription: Awaited<ReturnType<EventBus['subscribeState']>>;
      try {
        subscription = await bus.subscribeState(pipeline === undefined ? '#' : `${pipeline}.*`, send);
      } catch (err) {
        const error = { code: 'bus_unavailable', message: err instanceof Error ? err.message : String(err) };
        out.end(`event: error\ndata: ${JSON.stringify(error)}\n\n`);
        return;
      }
      out.write(': subscribed\n\n');
      const keepalive = setInterval(() => out.write(': keep-alive\n\n'), KEEPALIVE_MS);
      const end = (): void => {
        if (!open.delete(end)) return;
        clearInterval(keepalive);
        void subscription.stop();
        out.end();
      };
      open.add(end);
      out.once('close', end);
      // The client left, or the server began to close, while the subscription was being set up.
      if (closing || out.socket?.destroyed !== false) end();
    },
  );
}
