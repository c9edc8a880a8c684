import { startService, type RunningService, type ServiceRole } from '../app/start-service.js';
import { createServiceLogger } from '../app/logger.js';
import { loadConfig, unknownConfigNames } from '../config/index.js';
import { PipelineJobsError } from '../errors/index.js';
import { EXIT, type CommandIo } from './command.js';
import { untilSignal } from './until-signal.js';

/** How long a graceful stop may take before the process exits anyway (docs/manager.md promises 10 s). */
const STOP_DEADLINE_MS = 9000;

/**
 * Runs a long-running role (see `app/start-service.ts`) until SIGTERM/SIGINT. On a signal it
 * stops the service and resolves with exit code 0 — or, when that takes longer than the
 * deadline, exits the process with code 1.
 */
export async function runService(io: CommandIo, options: { readonly role: ServiceRole }): Promise<number> {
  const config = loadConfig(io.env);
  const logger = (
    await createServiceLogger(
      config.PJM_LOG_LEVEL,
      config.PJM_LOG_FORMAT,
      'isTTY' in io.stdout && io.stdout.isTTY === true,
    )
  ).child({ role: options.role });
  for (const name of unknownConfigNames(io.env)) logger.warn({ name }, 'unknown PJM_* variable ignored (a typo?)');
  let service: RunningService;
  try {
    service = await startService(config, logger, options.role);
  } catch (err) {
    // A broker out of reach at start is a failed start (exit 1), not a refusal by a server (exit 3,
    // which main gives every coded error): the adapter's error carries bus_unavailable for clients.
    if (!(err instanceof PipelineJobsError && err.code === 'bus_unavailable')) throw err;
    io.stderr.write(`pjm ${options.role}: ${err.message}\n`);
    return EXIT.failure;
  }
  logger.info({ embedded: service.embedded }, `pjm ${options.role} running; stop with Ctrl-C or SIGTERM`);
  const reload = (): void => {
    service.reloadPipelines();
  };
  // Without a listener SIGHUP would end the process; with one it reloads the registry in place.
  process.on('SIGHUP', reload);
  const signal = await untilSignal();
  process.off('SIGHUP', reload);
  logger.info({ signal }, 'stopping');
  const stopped = service.stop().then(
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
  if (outcome === 'late')
    logger.error({}, 'graceful stop took too long; exiting (unsettled messages will be redelivered)');
  // Whatever did not stop (a broker that no longer answers, a connection that will not close)
  // also holds the event loop: returning would leave the process running.
  process.exit(EXIT.failure);
}
