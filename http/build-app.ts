import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerFactory,
} from 'fastify';
import type { Registry } from 'prom-client';
import type { DeadLetters } from '../actors/dead-letters.js';
import type { JobTokens } from '../model/job-tokens.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobStore } from '../ports/job-store.js';
import type { NonceStore } from '../ports/nonce-store.js';
import { redactUrl } from '../protocol/redact-url.js';
import { PipelineCatalog } from '../registry/pipeline-catalog.js';
import type { PayloadLimits } from '../schemas/index.js';
import { registerDeadLetterRoutes } from './admin/dead-letter-routes.js';
import { registerNonceRoutes } from './admin/nonce-routes.js';
import { ApiTokens } from './auth/api-tokens.js';
import { RateLimiter, type RateLimit } from './auth/rate-limiter.js';
import { SenderAuth } from './auth/sender-auth.js';
import type { BridgeContext } from './bridge/bridge-context.js';
import { EventPublisher } from './bridge/event-publisher.js';
import { registerBridge } from './bridge/register-bridge.js';
import { registerClaimRoutes } from './bridge/claim-routes.js';
import { answeredError, installErrorHandling } from './error-handler.js';
import { acceptEveryJobIdForm } from './job-uuid-hook.js';
import { registerChangesRoute } from './query/changes-route.js';
import { registerJobRoutes } from './query/job-routes.js';
import { registerPipelineRoutes, withPipelineSchemas } from './query/pipeline-routes.js';
import { registerPhotonRanch, type PhotonRanchOptions } from './photonranch/register-photonranch.js';
import { registerRubinRoutes, type RubinOptions } from './rubin/rubin-routes.js';
import { registerUi } from './ui/register-ui.js';

/** What the HTTP app is built on; ports only. */
export interface AppDeps {
  readonly store: JobStore;
  readonly bus: EventBus;
  readonly nonces: NonceStore;
  /** The dead letters the admin routes under `/dead` show and replay; none: no such routes. */
  readonly deadLetters?: DeadLetters;
  readonly tokens: JobTokens;
  readonly registry: Registry;
  /** A pino logger for request logs; none when absent. */
  readonly logger?: FastifyBaseLogger;
  /** Largest accepted request body in bytes (default 256 KiB). */
  readonly bodyLimit?: number;
  /** Depth and key-count limits of bodies (defaults of `schemas/`). */
  readonly limits?: Partial<PayloadLimits>;
  /** Bearer tokens of admins and UIs (`PJM_API_TOKENS`). */
  readonly apiTokens?: readonly string[];
  /** Demand a sender credential from every caller, loopback included (default false). */
  readonly requireSender?: boolean;
  /** Base URL of the callback URLs handed out on create (default: the request's origin). */
  readonly publicUrl?: string;
  /** Longest `?wait=1` (default 10 s). */
  readonly waitTimeoutMs?: number;
  /** Per-job callback rate (default 20/s, burst 40). */
  readonly rateLimit?: RateLimit;
  readonly clock?: () => Date;
  /** The pipeline registry creates are checked against and `/pipelines` shows (default: none, any pipeline). */
  readonly pipelines?: PipelineCatalog;
  /** The Rubin OCPS routes' base path (`API_BASEPATH`, default `/api/v1`) and launch wait. */
  readonly rubin?: RubinOptions;
  /** Photon Ranch's jobs API: prefix (`PJM_PHOTONRANCH_PREFIX`), pipeline, CORS origins, JWT keys. */
  readonly photonranch?: PhotonRanchOptions;
  /**
   * Supplies the HTTP server instead of fastify creating one: the CLI binds its port before it
   * opens anything, then hands the server over here (and serves it after `ready()`).
   */
  readonly serverFactory?: FastifyServerFactory;
}

/**
 * The HTTP app, built without listening so tests drive it with `inject()`: the bridge (create,
 * events, Agave and Slurm callbacks), the query API, Rubin OCPS's job API under `API_BASEPATH`, nonce
 * management, dead letters, Photon Ranch's jobs API under `PJM_PHOTONRANCH_PREFIX`, health and
 * readiness, Prometheus metrics, the OpenAPI document at `/docs/json` and the dashboard at `/ui/`.
 * Errors answer `{error: {code, message, details}}` (the Rubin routes: in Rubin's shape).
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const bodyLimit = deps.bodyLimit ?? 256 * 1024;
  const app = Fastify({
    ...(deps.logger !== undefined ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit,
    ...(deps.serverFactory !== undefined && { serverFactory: deps.serverFactory }),
    // Fastify's own request lines print the raw URL, tokens and nonces included: ours redact them.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  });
  installErrorHandling(app);
  acceptEveryJobIdForm(app, deps.store);
  if (deps.logger !== undefined) {
    app.addHook('onResponse', async (request, reply) => {
      const refused = answeredError(request);
      // A malformed_json message quotes the body it could not parse, which may hold a token.
      const why =
        refused === undefined
          ? {}
          : { code: refused.code, ...(refused.code !== 'malformed_json' && { reason: refused.message }) };
      const line = {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ...why,
      };
      // One line per answered call costs a busy bridge a sixth of its throughput (npm run bench
      // peers): refusals and failures say why at info, successes only at debug.
      if (reply.statusCode >= 400) request.log.info(line, 'request');
      else request.log.debug(line, 'request');
    });
  }
  const clock = deps.clock ?? (() => new Date());
  const pipelines = deps.pipelines ?? new PipelineCatalog();
  const publisher = new EventPublisher(deps.bus, deps.waitTimeoutMs ?? 10_000);
  // Before the server closes (it waits for every open request): waiting callers get their 202.
  app.addHook('preClose', async () => publisher.stopWaiting());
  const apiTokens = new ApiTokens(deps.apiTokens ?? []);
  const auth = new SenderAuth({
    tokens: apiTokens,
    nonces: deps.nonces,
    requireSender: deps.requireSender ?? false,
  });

  void app.register(swagger, {
    openapi: {
      info: {
        title: 'pipelinejobs',
        version: '1',
        description:
          'Job tracker for scientific pipelines: the bridge (events in) and the query API (state and history out).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          nonce: { type: 'apiKey', in: 'query', name: 'x-nonce' },
        },
      },
    },
  });

  void app.register(async (api) => {
    api.get('/healthz', { schema: { summary: 'Liveness' } }, async () => ({ status: 'ok' }));

    api.get('/readyz', { schema: { summary: 'Readiness: bus and store reachable' } }, async (_request, reply) => {
      const [bus, store] = await Promise.all([
        deps.bus.isHealthy().catch(() => false),
        deps.store.get('00000000-0000-0000-0000-000000000000').then(
          () => true,
          () => false,
        ),
      ]);
      return reply.code(bus && store ? 200 : 503).send({
        status: bus && store ? 'ready' : 'unavailable',
        bus: bus ? 'ok' : 'down',
        store: store ? 'ok' : 'down',
      });
    });

    api.get('/metrics', { schema: { summary: 'Prometheus metrics' } }, async (_request, reply) =>
      reply.type(deps.registry.contentType).send(await deps.registry.metrics()),
    );

    api.get('/docs/json', { schema: { hide: true } }, async () => withPipelineSchemas(api.swagger(), pipelines));

    void api.register(async (reads) => {
      reads.addHook('onRequest', async (request) => auth.requireReader(request));
      registerJobRoutes(reads, deps.store);
      registerChangesRoute(reads, deps.bus);
      registerPipelineRoutes(reads, pipelines);
    });
    registerNonceRoutes(api, auth, deps.nonces, clock);
    if (deps.deadLetters !== undefined) registerDeadLetterRoutes(api, auth, deps.deadLetters);
    const bridge: BridgeContext = {
      tokens: deps.tokens,
      jobs: deps.store,
      auth,
      limiter: new RateLimiter(deps.rateLimit ?? { perSecond: 20, burst: 40 }),
      publisher,
      limits: { ...deps.limits, maxBytes: bodyLimit },
      ...(deps.publicUrl !== undefined && { publicUrl: deps.publicUrl }),
      clock,
      pipelines,
    };
    registerBridge(api, bridge);
    registerClaimRoutes(api, bridge);
    registerUi(api, {
      store: deps.store,
      bus: deps.bus,
      bridge,
      apiTokens,
      ...(deps.deadLetters !== undefined && { deadLetters: deps.deadLetters }),
    });
    registerRubinRoutes(api, bridge, deps.store, deps.rubin);
    registerPhotonRanch(api, bridge, deps.store, deps.photonranch);
  });
  return app;
}
