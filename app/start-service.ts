import type { Logger as PinoLogger } from 'pino';
import { Manager } from '../actors/manager.js';
import { ManagerMetrics } from '../actors/manager-metrics.js';
import { limitsFromConfig, type Config } from '../config/index.js';
import { bindPort, type BoundPort } from './bind-port.js';
import { checkSecret, composeRuntime, deferDelays, type Runtime } from './compose.js';
import { metricsHandler } from './metrics-server.js';
import { loadPipelineCatalog, reloadPipelineCatalog } from './pipelines.js';
import { startDispatcher } from './start-dispatcher.js';
import type { Dispatcher } from '../actors/dispatcher.js';
import type { Reaper } from '../actors/reaper.js';
import { registerStaleGauge } from '../actors/stale-metrics.js';
import { startReaper } from './start-reaper.js';
import { checkHttpHost, startHttp, type HttpService } from './start-http.js';

/** Which parts a long-running process runs. */
export type ServiceRole = 'serve' | 'manager' | 'bridge' | 'dispatcher' | 'reaper';

/** A started service. */
export interface RunningService {
  /** True when neither a broker nor a database URL is configured. */
  readonly embedded: boolean;
  /**
   * Stops taking work, ends the HTTP streams, lets in-flight events finish (or go back to the
   * bus) and closes the connections.
   */
  stop(): Promise<void>;
  /** Reads the pipeline registry file again (SIGHUP); a bad file is logged and refused, the old registry kept. */
  reloadPipelines(): boolean;
}

/**
 * Starts a role: `serve` (manager + HTTP + dispatcher + reaper), `manager` (the manager alone, metrics on
 * PJM_METRICS_PORT), `bridge` (HTTP alone: bridge and query API), `dispatcher` (the dispatcher
 * alone: launches the jobs of launchable pipelines, docs/dispatcher.md) or `reaper` (the reaper
 * alone: flags jobs whose heartbeat lease expired, docs/heartbeats.md). Its port is bound before
 * anything else is opened or created; if any part fails to start, what was started is closed.
 * This is how `pjm serve|manager|bridge` start, and how a test or an embedding program can.
 */
export async function startService(
  config: Readonly<Config>,
  logger: PinoLogger,
  role: ServiceRole,
): Promise<RunningService> {
  const withHttp = role === 'serve' || role === 'bridge';
  if (withHttp) checkHttpHost(config);
  checkSecret(config);
  // Read before anything is bound or opened: a bad registry file refuses the start.
  const pipelines = loadPipelineCatalog(config, logger);
  const port = await bindServicePort(config, role);
  let runtime: Runtime | undefined;
  let http: HttpService | undefined;
  let manager: Manager | undefined;
  let dispatcher: Dispatcher | undefined;
  let reaper: Reaper | undefined;
  try {
    runtime = await composeRuntime(config, logger);
    if (role === 'serve' || role === 'manager') registerStaleGauge(runtime.registry, runtime.store);
    if (role === 'serve' || role === 'manager') {
      manager = new Manager(
        {
          bus: runtime.bus,
          store: runtime.store,
          tokens: runtime.tokens,
          logger,
          metrics: new ManagerMetrics(runtime.registry),
          pipelines,
        },
        {
          prefetch: config.PJM_PREFETCH,
          requireToken: config.PJM_AMQP_REQUIRE_TOKEN,
          limits: limitsFromConfig(config),
          deferDelaysMs: deferDelays(config),
        },
      );
    }
    if (port !== undefined && withHttp) http = await startHttp(config, runtime, logger, port, pipelines);
    else if (port !== undefined) {
      port.serve(metricsHandler(runtime.registry));
      logger.info({ address: port.url }, `metrics at ${port.url}/metrics`);
    }
    await manager?.start();
    // The manager's process keeps the dead letters it makes; the HTTP routes sweep before they read.
    if (manager !== undefined) runtime.deadLetters.start(config.PJM_DEAD_LETTERS_SWEEP_MS);
    if (role === 'serve' || role === 'dispatcher')
      dispatcher = await startDispatcher(config, runtime, logger, pipelines, port?.url);
    if (role === 'serve' || role === 'reaper') reaper = await startReaper(config, runtime, logger);
  } catch (err) {
    await dispatcher?.stop().catch(() => undefined);
    await manager?.stop().catch(() => undefined);
    await port?.close(0);
    await runtime?.close().catch(() => undefined);
    throw err;
  }
  const started = runtime;
  return {
    embedded: started.embedded,
    async stop() {
      await (http?.close() ?? port?.close(0));
      await reaper?.stop();
      await dispatcher?.stop();
      await manager?.stop();
      await started.close();
    },
    reloadPipelines: () => reloadPipelineCatalog(pipelines, config, logger),
  };
}

/** The port a role listens on (HTTP, or the manager's optional metrics), bound now. */
async function bindServicePort(config: Readonly<Config>, role: ServiceRole): Promise<BoundPort | undefined> {
  if (role === 'dispatcher' || role === 'reaper') return undefined;
  if (role !== 'manager') return bindPort(config.PJM_HTTP_HOST, config.PJM_HTTP_PORT, 'PJM_HTTP_PORT');
  if (config.PJM_METRICS_PORT === undefined) return undefined;
  return bindPort(config.PJM_HTTP_HOST, config.PJM_METRICS_PORT, 'PJM_METRICS_PORT');
}
