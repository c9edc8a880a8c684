import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LaunchError, type LaunchRequest } from '../../ports/launcher.js';
import { missingCommand } from './command-check.js';

/** What every launcher needs before it starts anything. */
export interface PreparedLaunch {
  /** The dispatcher's environment with the job's own `env` over it. */
  readonly env: NodeJS.ProcessEnv;
  /** `<logDir>/<uuid>`: the launch's `.out` and `.err` (and the local launcher's `.pid`, `.exit`) files. */
  readonly logBase: string;
}

/**
 * Makes the log directory and checks that the script's command can run on this host, before
 * anything starts: either failing is a {@link LaunchError} (`launch_failed`), never a half-launch.
 */
export function prepareLaunch(request: LaunchRequest): PreparedLaunch {
  try {
    mkdirSync(request.logDir, { recursive: true });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new LaunchError(`cannot create the log directory ${request.logDir}: ${why}`, { cause: err });
  }
  const env = { ...process.env, ...request.env };
  const missing = missingCommand(request.command, env['PATH']);
  if (missing !== undefined) throw new LaunchError(missing);
  return { env, logBase: join(request.logDir, request.uuid) };
}
