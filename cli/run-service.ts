import { Manager } from '../actors/manager.js';
import { ManagerMetrics } from '../actors/manager-metrics.js';
import { limitsFromConfig, loadConfig, unknownConfigNames } from '../schemas/index.js';
import type { Config } from '../schemas/types.js';
import { bindPort, type BoundPort } from './bind-port.js';
import { EXIT, type CommandIo } from './command.js';
import { checkSecret, composeRuntime, deferDelays, type Runtime } from './compose.js';
import { createServiceLogger } from './logger.js';
import { metricsHandler } from './metrics-server.js';
import { checkHttpHost, startHttp, type HttpService } from './start-http.js';
import { untilSignal } from './until-signal.js';

/** How long a graceful stop may take before the process exits anyway (docs/manager.md promises 10 s). */
const STOP_DEADLINE_MS = 9000;

/** Which parts a long-running `pjm` process runs. */
export type ServiceRole = 'serve' | 'manager' | 'bridge';

/**
 * Runs a long-running role until SIGTERM/SIGINT: `serve` (manager + HTTP), `manager` (the manager
 * alone, metrics on PJM_METRICS_PORT) or `bridge` (HTTP alone: bridge and query API). Its port is
 * bound before anything else is opened or created. On a signal it stops taking work, ends the
 * HTTP streams, lets in-flight events finish (or go back to the bus), closes the connections and
 * resolves with exit code 0 — or, when that takes longer than the deadline, exits the process
 * with code 1.
 */
export async function runService(io: CommandIo, options: { readonly role: ServiceRole }): Promise<number> {
  const config = loadConfig(io.env);
  const logger = (await createServiceLogger(config.PJM_LOG_LEVEL, config.PJM_LOG_FORMAT, 'isTTY' in io.stdout && io.stdout.isTTY === true)).child({ role: options.role });
  for (const name of unknownConfigNames(io.env)) logger.warn({ name }, 'unknown PJM_* variable ignored (a typo?)');
  if (options.role !== 'manager') checkHttpHost(config);
  checkSecret(config);
  const port = await bindServicePort(config, options.role);
  let runtime: Runtime | undefined;
  let http: HttpService | undefined;
  let manager: Manager | undefined;
  try {
    runtime = await composeRuntime(config, logger);
    if (options.role !== 'bridge') {
      manager = new Manager(
        { bus: runtime.bus, store: runtime.store, tokens: runtime.tokens, logger, metrics: new ManagerMetrics(runtime.registry) },
        { prefetch: config.PJM_PREFETCH, requireToken: config.PJM_AMQP_REQUIRE_TOKEN, limits: limitsFromConfig(config), deferDelaysMs: deferDelays(config) },
      );
    }
    if (port !== undefined && options.role !== 'manager') http = await startHttp(config, runtime, logger, port);
    else if (port !== undefined) {
      port.serve(metricsHandler(runtime.registry));
      logger.info({ address: port.url }, `metrics at ${port.url}/metrics`);
    }
    await manager?.start();
  } catch (err) {
    await port?.close(0);
    await runtime?.close().catch(() => undefined);
    throw err;
  }
  logger.info({ embedded: runtime.embedded }, `pjm ${options.role} running; stop with Ctrl-C or SIGTERM`);
  const signal = await untilSignal();
  logger.info({ signal }, 'stopping');
  const started = runtime;
  const stopped = (async () => {
    await (http?.close() ?? port?.close(0));
    await manager?.stop();
    await started.close();
  })().then(
    () => 'done' as const,
    (err: unknown) => {
      logger.error({ err }, 'stop failed');
      return 'failed' as const;
    },
  );
  const deadline = new Promise<'late'>((resolve) => setTimeout(resolve, STOP_DEADLINE_MS, 'late').unref());
  const outcome = await Promise.race([stopped, deadline]);
  if (outcome === 'done') {
    logger.info({}, 'stopped');
    return EXIT.ok;
  }
  if (outcome === 'late') logger.error({}, 'graceful stop took too long; exiting (unsettled messages will be redelivered)');
  // Whatever did not stop (a broker that no longer answers, a connection that will not close)
  // also holds the event loop: returning would leave the process running.
  process.exit(EXIT.failure);
}

/** The port a role listens on (HTTP, or the manager's optional metrics), bound now. */
async function bindServicePort(config: Readonly<Config>, role: ServiceRole): Promise<BoundPort | undefined> {
  if (role !== 'manager') return bindPort(config.PJM_HTTP_HOST, config.PJM_HTTP_PORT, 'PJM_HTTP_PORT');
  if (config.PJM_METRICS_PORT === undefined) return undefined;
  return bindPort(config.PJM_HTTP_HOST, config.PJM_METRICS_PORT, 'PJM_METRICS_PORT');
}
