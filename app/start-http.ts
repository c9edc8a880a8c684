import type { RequestListener } from 'node:http';
import type { Logger as PinoLogger } from 'pino';
import { PipelineJobsError } from '../errors/index.js';
import { buildApp } from '../http/build-app.js';
import { photonRanchOptions } from './photonranch-options.js';
import { limitsFromConfig } from '../config/index.js';
import type { Config } from '../config/config.js';
import type { PipelineCatalog } from '../registry/pipeline-catalog.js';
import type { BoundPort } from './bind-port.js';
import type { Runtime } from './compose.js';

/** How long requests still running at shutdown may take before their connections are cut. */
const CLOSE_GRACE_MS = 3000;

/** The HTTP API of a running service. */
export interface HttpService {
  /** Ends streams and waits, lets running requests finish (at most a few seconds), closes the port. */
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Whether the configured listen address is reachable from this host only. */
export function listensOnLoopback(config: Readonly<Config>): boolean {
  return LOOPBACK.test(config.PJM_HTTP_HOST);
}

/**
 * Refuses a non-loopback PJM_HTTP_HOST without PJM_API_TOKENS: exposing the API beyond this host
 * needs credentials an admin can use, and is refused before anything is opened.
 */
export function checkHttpHost(config: Readonly<Config>): void {
  if (!listensOnLoopback(config) && config.PJM_API_TOKENS === undefined) {
    throw new PipelineJobsError(
      'invalid_config',
      `PJM_HTTP_HOST=${config.PJM_HTTP_HOST} is not a loopback address and ` +
        `PJM_API_TOKENS is not set; listening beyond this host needs credentials`,
      {
        errors: [{ key: 'PJM_HTTP_HOST', reason: 'needs PJM_API_TOKENS to be a non-loopback address' }],
      },
    );
  }
}

/**
 * Serves the HTTP app on `port`, bound beforehand on PJM_HTTP_HOST:PJM_HTTP_PORT (checked by {@link checkHttpHost}).
 */
export async function startHttp(
  config: Readonly<Config>,
  runtime: Runtime,
  logger: PinoLogger,
  port: BoundPort,
  pipelines: PipelineCatalog,
): Promise<HttpService> {
  const requireSender = config.PJM_REQUIRE_SENDER_AUTH || !listensOnLoopback(config);
  const publicUrl =
    config.PJM_PUBLIC_URL ??
    (config.API_PROTOCOL !== undefined && config.API_DOMAIN !== undefined
      ? `${config.API_PROTOCOL}://${config.API_DOMAIN}${config.API_PORT === undefined ? '' : `:${config.API_PORT}`}`
      : undefined);
  const photonranch = photonRanchOptions(config);
  let handler: RequestListener | undefined;
  const app = buildApp({
    store: runtime.store,
    bus: runtime.bus,
    nonces: runtime.nonces,
    deadLetters: runtime.deadLetters,
    tokens: runtime.tokens,
    registry: runtime.registry,
    pipelines,
    rubin: { basePath: config.API_BASEPATH },
    photonranch,
    logger: logger.child({ component: 'http' }),
    bodyLimit: config.PJM_MAX_PAYLOAD_BYTES,
    limits: limitsFromConfig(config),
    apiTokens: config.PJM_API_TOKENS?.split(',') ?? [],
    requireSender,
    waitTimeoutMs: config.PJM_WAIT_TIMEOUT_MS,
    rateLimit: { perSecond: config.PJM_CALLBACK_RATE, burst: config.PJM_CALLBACK_BURST },
    ...(publicUrl !== undefined && { publicUrl }),
    serverFactory: (listener) => {
      handler = listener;
      return port.server;
    },
  });
  await app.ready();
  if (handler === undefined) throw new Error('fastify did not hand over its request handler');
  port.serve(handler);
  logger.info({ address: port.url, requireSender }, `HTTP API at ${port.url} (OpenAPI at /docs/json)`);
  if (!requireSender)
    logger.info(
      {},
      'no sender credentials required from loopback callers: creating jobs and ' +
        'sending events (with their job token) is open to this host only',
    );
  if (photonranch.jwt === undefined)
    logger.info(
      {},
      `Photon Ranch ${config.PJM_PHOTONRANCH_PREFIX}/newjob refuses every call: ` +
        'it needs PJM_JWT_JWKS or PJM_JWT_CERT',
    );
  return {
    async close() {
      // fastify does not close a server it did not listen on itself: its close ends the streams
      // and the waits (preClose), then the port closes here.
      await app.close();
      await port.close(CLOSE_GRACE_MS);
    },
  };
}
