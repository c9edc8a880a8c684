import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { EventBus } from '../ports/event-bus.js';
import type { JobStore } from '../ports/job-store.js';
import { installErrorHandling } from './error-handler.js';
import { registerJobRoutes } from './query/job-routes.js';

/** What the HTTP app is built on; ports only. */
export interface AppDeps {
  readonly store: JobStore;
  readonly bus: EventBus;
  readonly registry: Registry;
  /** A pino logger for request logs; none when absent. */
  readonly logger?: FastifyBaseLogger;
  /** Largest accepted request body in bytes (default 256 KiB). */
  readonly bodyLimit?: number;
}

/**
 * The HTTP app, built without listening so tests drive it with `inject()`: the query API,
 * health and readiness, and Prometheus metrics. Errors answer `{error: {code, message, details}}`.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    ...(deps.logger !== undefined ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  });
  installErrorHandling(app);

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const [bus, store] = await Promise.all([
      deps.bus.isHealthy().catch(() => false),
      deps.store.get('00000000-0000-0000-0000-000000000000').then(
        () => true,
        () => false,
      ),
    ]);
    return reply.code(bus && store ? 200 : 503).send({ status: bus && store ? 'ready' : 'unavailable', bus: bus ? 'ok' : 'down', store: store ? 'ok' : 'down' });
  });

  app.get('/metrics', async (_request, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()));

  registerJobRoutes(app, deps.store);
  return app;
}
