import type { Server } from 'node:http';
import { Manager } from '../actors/manager.js';
import { ManagerMetrics } from '../actors/manager-metrics.js';
import { limitsFromConfig, loadConfig, unknownConfigNames } from '../schemas/index.js';
import { EXIT, type CommandIo } from './command.js';
import { composeRuntime, deferDelays } from './compose.js';
import { createLogger } from './logger.js';
import { startMetricsServer } from './metrics-server.js';
import { checkHttpHost, startHttp } from './start-http.js';
import { untilSignal } from './until-signal.js';

/** How long a graceful stop may take before the process gives up waiting. */
const STOP_DEADLINE_MS = 9000;

/** Which parts a long-running `pjm` process runs. */
export type ServiceRole = 'serve' | 'manager' | 'bridge';

/**
 * Runs a long-running role until SIGTERM/SIGINT: `serve` (manager + HTTP), `manager` (the manager
 * alone, metrics on PJM_METRICS_PORT) or `bridge` (HTTP alone: bridge and query API). On a signal
 * it stops taking work, lets in-flight events finish (or go back to the bus), closes the
 * connections and resolves with exit code 0.
 */
export async function runService(io: CommandIo, options: { readonly role: ServiceRole }): Promise<number> {
  const config = loadConfig(io.env);
  const logger = createLogger(config.PJM_LOG_LEVEL).child({ role: options.role });
  for (const name of unknownConfigNames(io.env)) logger.warn({ name }, 'unknown PJM_* variable ignored (a typo?)');
  if (options.role !== 'manager') checkHttpHost(config);
  const runtime = await composeRuntime(config, logger);
  const manager =
    options.role === 'bridge'
      ? undefined
      : new Manager(
          { bus: runtime.bus, store: runtime.store, tokens: runtime.tokens, logger, metrics: new ManagerMetrics(runtime.registry) },
          { prefetch: config.PJM_PREFETCH, requireToken: config.PJM_AMQP_REQUIRE_TOKEN, limits: limitsFromConfig(config), deferDelaysMs: deferDelays(config) },
        );
  let metricsServer: Server | undefined;
  const http = options.role === 'manager' ? undefined : await startHttp(config, runtime, logger);
  if (options.role === 'manager' && config.PJM_METRICS_PORT !== undefined) {
    metricsServer = await startMetricsServer(runtime.registry, config.PJM_METRICS_PORT, config.PJM_HTTP_HOST);
    logger.info({ port: config.PJM_METRICS_PORT }, 'metrics at /metrics');
  }
  await manager?.start();
  logger.info({ embedded: runtime.embedded }, `pjm ${options.role} running; stop with Ctrl-C or SIGTERM`);
  const signal = await untilSignal();
  logger.info({ signal }, 'stopping');
  const stopped = (async () => {
    await http?.close();
    await manager?.stop();
    metricsServer?.close();
    await runtime.close();
  })();
  const deadline = new Promise<'late'>((resolve) => setTimeout(resolve, STOP_DEADLINE_MS, 'late').unref());
  if ((await Promise.race([stopped.then(() => 'done' as const), deadline])) === 'late') {
    logger.error({}, 'graceful stop took too long; exiting (unsettled messages will be redelivered)');
    return EXIT.failure;
  }
  logger.info({}, 'stopped');
  return EXIT.ok;
}
