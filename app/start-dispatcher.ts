import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { Dispatcher } from '../actors/dispatcher.js';
import { LocalLauncher } from '../adapters/launcher/local/local-launcher.js';
import { SlurmLauncher } from '../adapters/launcher/slurm/slurm-launcher.js';
import type { Config } from '../config/config.js';
import type { PipelineCatalog } from '../registry/pipeline-catalog.js';
import type { Runtime } from './compose.js';

/** This dispatcher's name in launch records: PJM_DISPATCHER_ID, else `<hostname>:<pid>`. */
export function dispatcherId(config: Readonly<Config>): string {
  return config.PJM_DISPATCHER_ID ?? `${hostname()}:${process.pid}`;
}

/**
 * The dispatcher actor on the runtime's bus and store, with both launchers, started. Scripts and
 * Slurm callbacks reach the bridge at PJM_PUBLIC_URL, else at `listening` (the address `pjm serve`
 * has just bound), else at PJM_URL.
 */
export async function startDispatcher(
  config: Readonly<Config>,
  runtime: Runtime,
  logger: PinoLogger,
  pipelines: PipelineCatalog,
  listening?: string,
): Promise<Dispatcher> {
  const dispatcher = new Dispatcher(
    {
      bus: runtime.bus,
      store: runtime.store,
      tokens: runtime.tokens,
      logger,
      pipelines,
      launchers: { local: new LocalLauncher(), slurm: new SlurmLauncher() },
    },
    {
      id: dispatcherId(config),
      url: config.PJM_PUBLIC_URL ?? listening ?? config.PJM_URL,
      dataDir: resolve(config.PJM_DATA_DIR),
      graceMs: config.PJM_LAUNCH_GRACE_SECONDS * 1000,
      rubinLauncher: config.PJM_RUBIN_LAUNCHER,
    },
  );
  await dispatcher.start();
  return dispatcher;
}
