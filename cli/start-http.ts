import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { PipelineJobsError } from '../errors/index.js';
import { buildApp } from '../http/build-app.js';
import type { Config } from '../schemas/types.js';
import type { Runtime } from './compose.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * Refuses a non-loopback PJM_HTTP_HOST: the API has no credentials to check yet, so exposing it
 * elsewhere is refused before anything is opened.
 */
export function checkHttpHost(config: Readonly<Config>): void {
  if (!LOOPBACK.test(config.PJM_HTTP_HOST)) {
    throw new PipelineJobsError('invalid_config', `PJM_HTTP_HOST=${config.PJM_HTTP_HOST} is not a loopback address; without configured credentials the HTTP API listens on loopback only`, {
      errors: [{ key: 'PJM_HTTP_HOST', reason: 'must be a loopback address until credentials are configured' }],
    });
  }
}

/** Listens with the HTTP app on PJM_HTTP_HOST:PJM_HTTP_PORT (checked by {@link checkHttpHost}). */
export async function startHttp(config: Readonly<Config>, runtime: Runtime, logger: PinoLogger): Promise<FastifyInstance> {
  const app = buildApp({ store: runtime.store, bus: runtime.bus, registry: runtime.registry, logger: logger.child({ component: 'http' }), bodyLimit: config.PJM_MAX_PAYLOAD_BYTES });
  const address = await app.listen({ host: config.PJM_HTTP_HOST, port: config.PJM_HTTP_PORT });
  logger.info({ address }, `HTTP API at ${address} (GET /jobs, /jobs/:uuid, /jobs/:uuid/history, /healthz, /readyz, /metrics)`);
  return app;
}
