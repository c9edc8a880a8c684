import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LaunchHandle, LaunchRequest, Launcher } from '../../../ports/launcher.js';
import { LaunchError } from '../../../ports/launcher.js';
import { parseSlurmTracking } from '../../../protocol/slurm-tracking.js';
import { missingCommand } from '../command-check.js';

const run = promisify(execFile);

/** Longest wait for one Slurm command. */
const COMMAND_TIMEOUT_MS = 30_000;

function message(err: unknown): string {
  const stderr = (err as { stderr?: unknown }).stderr;
  if (typeof stderr === 'string' && stderr.trim() !== '') return stderr.trim();
  return err instanceof Error ? err.message : String(err);
}

/**
 * {@link Launcher} that submits a pipeline's script with `sbatch --wrap`. The dispatcher passes the
 * tracking options `POST /jobs` answers (comment tag, mail types), so the cluster's MailProg
 * (`pjm slurm-mail`, docs/slurm.md) reports the job's start and end; the launcher reports nothing.
 */
export class SlurmLauncher implements Launcher {
  readonly type = 'slurm' as const;

  async launch(request: LaunchRequest): Promise<LaunchHandle> {
    try {
      mkdirSync(request.logDir, { recursive: true });
    } catch (err) {
      throw new LaunchError(`cannot create the log directory ${request.logDir}: ${message(err)}`, { cause: err });
    }
    const env = { ...process.env, ...request.env };
    const missing = missingCommand(request.command, env['PATH']);
    if (missing !== undefined) throw new LaunchError(missing);
    const base = join(request.logDir, request.uuid);
    const args = [
      '--parsable',
      `--job-name=${request.pipeline}`,
      `--output=${base}.out`,
      `--error=${base}.err`,
      ...request.sbatch,
      '--wrap',
      request.command,
    ];
    let stdout: string;
    try {
      ({ stdout } = await run('sbatch', args, { env, timeout: COMMAND_TIMEOUT_MS }));
    } catch (err) {
      throw new LaunchError(`sbatch refused the job: ${message(err)}`, { cause: err });
    }
    const id = stdout.trim().split(';')[0] ?? '';
    if (!/^\d+$/.test(id)) throw new LaunchError(`sbatch answered no job id: ${stdout.trim()}`);
    return { ref: id };
  }

  async find(uuid: string): Promise<LaunchHandle | undefined> {
    const { stdout } = await run('scontrol', ['show', 'job', '--oneliner'], { timeout: COMMAND_TIMEOUT_MS });
    for (const line of stdout.split('\n')) {
      const comment = / Comment=(.*?)(?= [A-Za-z]+=|$)/.exec(line)?.[1];
      if (parseSlurmTracking(comment)?.uuid !== uuid) continue;
      const id = /^JobId=(\d+)/.exec(line)?.[1];
      if (id !== undefined) return { ref: id };
    }
    return undefined;
  }

  async stop(ref: string): Promise<void> {
    try {
      await run('scancel', [ref], { timeout: COMMAND_TIMEOUT_MS });
    } catch (err) {
      throw new Error(`scancel ${ref} failed: ${message(err)}`, { cause: err });
    }
  }
}
