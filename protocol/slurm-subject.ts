import type { SlurmNotification } from '../schemas/types.js';

/**
 * What crosses from slurmctld to the bridge: the subject Slurm gives `MailProg` (read by `pjm
 * slurm-mail` and by the bridge) and the array end `pjm slurm-mail` adds to its notification.
 */

/**
 * What a Slurm notification mail reports. `time_limit` is a warning (the job reached N% of its
 * time limit, N = 100 for "Reached time limit"): with a partition's `OverTimeLimit` the job runs
 * on and its end comes in another mail.
 */
export type SlurmNotificationKind =
  'began' | 'ended' | 'failed' | 'requeued' | 'time_limit' | 'stage_out' | 'invalid_dependency' | 'other';

/** A Slurm `MailProg` subject line, parsed. */
export interface SlurmSubject {
  /** The `Job_id=` value as written: `12`, or `7_*` / `7_3` for job arrays; empty when absent. */
  jobId: string;
  /** The `Name=` value, which may contain spaces and commas; empty when absent. */
  jobName: string;
  kind: SlurmNotificationKind;
  /** `summary`: the whole array (`Slurm Array Summary`); `task`: one task (`Slurm Array Task`, `--mail-type=ARRAY_TASKS`). */
  array?: 'summary' | 'task';
  /** For `time_limit`: the share of the time limit reached, 50, 80, 90 or 100. */
  timeLimitPercent?: number;
  /** The job state upper-cased (`COMPLETED`, `TIMEOUT`, `MIXED` for array summaries...). */
  state?: string;
  /** `ExitCode N`; for an array summary's `ExitCode [min-max]`, the max. */
  exitCode?: number;
  /** `Run time` as written, e.g. `00:00:01` or `1-02:03:04`. */
  runTime?: string;
  /** The subject as received. */
  raw: string;
}

// slurmctld's formats (src/slurmctld/agent.c, mail_job_info and _mail_type_str, Slurm 22.05):
// "Slurm [Array Summary |Array Task ]Job_id=%u[_%u|_*][ (%u)] Name=%s <phrase><time><term>".
// The phrases are case-sensitive on purpose: state names in the tail are upper-case and must not
// be taken for a phrase. StageOut/Teardown's time reads " time " (a bug there drops the value).
const SUBJECT =
  /(?:(Array Summary|Array Task) )?Job_?id=(\S+)(?: \(\d+\))? Name=(.*) (Began|Ended|Failed|Requeued|StageOut\/Teardown|Reached time limit|Reached (\d+)% of time limit|Invalid dependency)(?:, (.*)| time(?: .*)?)?$/s;

const KINDS: Readonly<Record<string, SlurmNotificationKind>> = {
  Began: 'began',
  Ended: 'ended',
  Failed: 'failed',
  Requeued: 'requeued',
  'StageOut/Teardown': 'stage_out',
  'Reached time limit': 'time_limit',
  'Invalid dependency': 'invalid_dependency',
};

/** The exit code in `ExitCode N` text (for a range `[min-max]`, the max). */
export function exitCodeOf(text: string | undefined): number | undefined {
  const match = /^\s*\[?\s*(-?\d+)(?:\s*-\s*(-?\d+))?/.exec(text ?? '');
  if (!match) return undefined;
  return Number(match[2] ?? match[1]);
}

/**
 * Parses the subject Slurm passes to `MailProg` (`-s "<subject>"`). Never throws: a subject it
 * cannot read gives kind `other` with whatever job id it found.
 *
 * @param subject - e.g. `Slurm Job_id=1 Name=wrap Ended, Run time 00:00:01, COMPLETED, ExitCode 0`
 */
export function parseSlurmSubject(subject: string): SlurmSubject {
  const raw = typeof subject === 'string' ? subject : String(subject);
  const text = raw.trim();
  const match = SUBJECT.exec(text);
  if (!match) {
    const jobId = /Job_?id=(\S+)/i.exec(text)?.[1] ?? '';
    return { jobId, jobName: '', kind: 'other', raw };
  }
  const [, array, jobId = '', jobName = '', phrase = '', percent, tail = ''] = match;
  const parsed: SlurmSubject = {
    jobId,
    jobName,
    kind: percent === undefined ? (KINDS[phrase] ?? 'other') : 'time_limit',
    raw,
  };
  if (array !== undefined) parsed.array = array === 'Array Task' ? 'task' : 'summary';
  if (parsed.kind === 'time_limit') parsed.timeLimitPercent = percent === undefined ? 100 : Number(percent);
  for (const part of tail.split(',').map((p) => p.trim())) {
    const runTime = /^Run time (\S+)/.exec(part)?.[1];
    if (runTime !== undefined) parsed.runTime = runTime;
    else if (/^ExitCode\b/.test(part)) {
      const code = exitCodeOf(part.slice('ExitCode'.length));
      if (code !== undefined) parsed.exitCode = code;
    } else if (/^[A-Z][A-Z_]+$/.test(part) || part === 'Mixed') parsed.state = part.toUpperCase();
  }
  return parsed;
}

/**
 * The end of a whole job array submitted with `--mail-type=ARRAY_TASKS`, as `pjm slurm-mail`
 * reports it with the end mail of the array's last task (Slurm sends no whole-array mail then):
 * `tasks` is `SLURM_ARRAY_TASK_COUNT`, `states` counts the tasks slurmctld still listed by final
 * state, `notCompleted` names the first 100 listed tasks that did not complete.
 */
export type SlurmArrayEnd = Readonly<NonNullable<SlurmNotification['arrayEnd']>>;
