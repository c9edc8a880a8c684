import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LaunchHandle, LaunchRequest, LaunchStatus, Launcher } from '../../../ports/launcher.js';
import { parseSacctStatus, parseScontrolStatus } from './slurm-status.js';
import { LaunchError } from '../../../ports/launcher.js';
import { parseSlurmTracking } from '../../../protocol/slurm-tracking.js';
import { prepareLaunch } from '../prepare-launch.js';

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
    const { env, logBase: base } = prepareLaunch(request);
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

  /**
   * `scontrol show job` while the controller remembers the job (MinJobAge after its end), else
   * `sacct` (accounting, when the cluster keeps it); `unknown` when neither can say.
   */
  async status(ref: string): Promise<LaunchStatus> {
    if (!/^\d+$/.test(ref)) return { kind: 'unknown', message: `not a Slurm job id: ${ref}` };
    const problems: string[] = [];
    try {
      const { stdout } = await run('scontrol', ['show', 'job', ref, '--oneliner'], { timeout: COMMAND_TIMEOUT_MS });
      const found = parseScontrolStatus(stdout);
      if (found !== undefined) return found;
    } catch (err) {
      problems.push(`scontrol: ${message(err)}`);
    }
    try {
      const args = ['-j', ref, '-X', '-n', '-P', '-o', 'State,ExitCode'];
      const { stdout } = await run('sacct', args, { timeout: COMMAND_TIMEOUT_MS });
      const found = parseSacctStatus(stdout);
      if (found !== undefined) return found;
      problems.push('sacct: no record');
    } catch (err) {
      problems.push(`sacct: ${message(err)}`);
    }
    return { kind: 'unknown', message: problems.join('; ') };
  }

  async stop(ref: string): Promise<void> {
    try {
      await run('scancel', [ref], { timeout: COMMAND_TIMEOUT_MS });
    } catch (err) {
      throw new Error(`scancel ${ref} failed: ${message(err)}`, { cause: err });
    }
  }
}
