import type { Logger as PinoLogger } from 'pino';
import { Reaper } from '../actors/reaper.js';
import { LocalLauncher } from '../adapters/launcher/local/local-launcher.js';
import { SlurmLauncher } from '../adapters/launcher/slurm/slurm-launcher.js';
import type { Config } from '../config/config.js';
import type { Runtime } from './compose.js';

/** The reaper actor on the runtime's bus and store, asking both launchers, started. */
export async function startReaper(config: Readonly<Config>, runtime: Runtime, logger: PinoLogger): Promise<Reaper> {
  const reaper = new Reaper(
    {
      bus: runtime.bus,
      store: runtime.store,
      tokens: runtime.tokens,
      logger,
      launchers: { local: new LocalLauncher(), slurm: new SlurmLauncher() },
    },
    { periodMs: config.PJM_REAPER_PERIOD_SECONDS * 1000 },
  );
  await reaper.start();
  return reaper;
}
