import type { JobEventName } from '../../model/job.js';

/**
 * What a Slurm notification mail reports. `time_limit` is a warning (the job reached N% of its
 * time limit, N = 100 for "Reached time limit"): with a partition's `OverTimeLimit` the job runs
 * on and its end comes in another mail.
 */
export type SlurmNotificationKind = 'began' | 'ended' | 'failed' | 'requeued' | 'time_limit' | 'stage_out' | 'invalid_dependency' | 'other';

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

function exitCodeOf(text: string | undefined): number | undefined {
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
  const parsed: SlurmSubject = { jobId, jobName, kind: percent === undefined ? (KINDS[phrase] ?? 'other') : 'time_limit', raw };
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

const FAILURE_STATES = new Set(['FAILED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'CANCELLED', 'MIXED']);

/** A state string may carry a suffix (`CANCELLED by 1000`): only its first word counts. */
function baseState(state: string | undefined): string | undefined {
  const word = state?.trim().split(/\s+/)[0]?.toUpperCase();
  return word === '' ? undefined : word;
}

/**
 * The pipeline-job event for a parsed Slurm notification (mapping of seed-systems.md §6).
 *
 * Began → `run`; Ended/COMPLETED → `finish`; Failed, FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY,
 * BOOT_FAIL, DEADLINE and an array summary with mixed results → `fail`; CANCELLED → `fail` (the
 * `cancel` event is only legal before RUNNING) with `reason` in `data`; Requeued, PREEMPTED,
 * time-limit warnings (`Reached time limit` included: with a grace period the job runs on),
 * StageOut/Teardown, Invalid dependency and anything unparsed → `update`. The end of one task of
 * an array (`--mail-type=ARRAY_TASKS`) is an `update` too: the pipeline job follows the whole
 * array (see {@link slurmArrayEnd}). An Ended mail without a state finishes on exit code 0 (or
 * none) and fails otherwise.
 *
 * `data.slurm` carries the parsed fields (undefined ones omitted) and the subject; `data.reason`
 * is set on `fail`. The environment fills in state and exit code the subject lacks.
 *
 * @param parsed - from {@link parseSlurmSubject}
 * @param env - the `SLURM_JOB_*` variables slurmctld gives `MailProg`
 */
export function slurmEvent(
  parsed: SlurmSubject,
  env?: { readonly SLURM_JOB_STATE?: string | undefined; readonly SLURM_JOB_EXIT_CODE_MAX?: string | undefined },
): { name: JobEventName; data: Record<string, unknown> } {
  const state = parsed.state ?? baseState(env?.SLURM_JOB_STATE);
  // SLURM_JOB_EXIT_CODE is the raw wait status (768 for exit 3); the _MAX variant is the exit code.
  const exitCode = parsed.exitCode ?? exitCodeOf(env?.SLURM_JOB_EXIT_CODE_MAX);
  const slurm: Record<string, unknown> = { jobId: parsed.jobId, jobName: parsed.jobName, kind: parsed.kind };
  if (parsed.array !== undefined) slurm['array'] = parsed.array;
  if (parsed.timeLimitPercent !== undefined) slurm['timeLimitPercent'] = parsed.timeLimitPercent;
  if (state !== undefined) slurm['state'] = state;
  if (exitCode !== undefined) slurm['exitCode'] = exitCode;
  if (parsed.runTime !== undefined) slurm['runTime'] = parsed.runTime;
  slurm['subject'] = parsed.raw;

  const name = parsed.array === 'task' && parsed.kind !== 'began' ? 'update' : eventName(parsed.kind, baseState(state), exitCode);
  const data: Record<string, unknown> = { slurm };
  if (name === 'fail') data['reason'] = failReason(baseState(state), exitCode);
  return { name, data };
}

function eventName(kind: SlurmNotificationKind, state: string | undefined, exitCode: number | undefined): JobEventName {
  switch (kind) {
    case 'began':
      return 'run';
    case 'time_limit':
    case 'requeued':
    case 'stage_out':
    case 'invalid_dependency':
    case 'other':
      return 'update';
    case 'ended':
    case 'failed':
      if (state === 'COMPLETED') return 'finish';
      if (state !== undefined && FAILURE_STATES.has(state)) return 'fail';
      // A preempted job is requeued or cancelled, and another mail says which.
      if (state === 'PREEMPTED') return 'update';
      if (kind === 'failed') return 'fail';
      if (state !== undefined) return 'update';
      return exitCode === undefined || exitCode === 0 ? 'finish' : 'fail';
  }
}

function failReason(state: string | undefined, exitCode: number | undefined): string {
  if (state === 'CANCELLED') return 'Slurm job was cancelled';
  if (state === 'MIXED') return 'some tasks of the Slurm job array did not complete';
  if (state !== undefined) return `Slurm job ended in state ${state}`;
  return `Slurm job failed${exitCode === undefined ? '' : ` with exit code ${exitCode}`}`;
}

/**
 * The end of a whole job array submitted with `--mail-type=ARRAY_TASKS`, as `pjm slurm-mail`
 * reports it with the end mail of the array's last task (Slurm sends no whole-array mail then).
 */
export interface SlurmArrayEnd {
  /** `SLURM_ARRAY_TASK_COUNT`: how many tasks the array has. */
  readonly tasks: number;
  /** How many of the tasks slurmctld still listed ended in each state. */
  readonly states: Readonly<Record<string, number>>;
  /** Ids of listed tasks that did not complete (the first 100). */
  readonly notCompleted: readonly string[];
}

/**
 * The pipeline-job event for the end of a whole job array: `finish` when every task listed
 * completed, `fail` otherwise, with `data.slurm` shaped like an array summary's.
 *
 * @param task - the parsed end mail of the array's last task
 */
export function slurmArrayEnd(task: SlurmSubject, end: SlurmArrayEnd): { name: JobEventName; data: Record<string, unknown> } {
  const arrayJobId = task.jobId.replace(/_.*$/, '');
  const listed = Object.entries(end.states);
  const completed = end.states['COMPLETED'] ?? 0;
  const state = completed === listed.reduce((sum, [, n]) => sum + n, 0) ? 'COMPLETED' : listed.length === 1 ? listed[0]?.[0] : 'MIXED';
  const slurm = { jobId: `${arrayJobId}_*`, jobName: task.jobName, kind: 'ended', array: 'summary', state, tasks: end.tasks, states: end.states, endedWith: task.raw };
  if (state === 'COMPLETED') return { name: 'finish', data: { slurm } };
  const which = end.notCompleted.length === 0 ? 'some tasks' : `task${end.notCompleted.length === 1 ? '' : 's'} ${end.notCompleted.join(', ')}`;
  return { name: 'fail', data: { slurm, reason: `${which} of Slurm job array ${arrayJobId} did not complete` } };
}

/** Job states that mean the job's program ran, whatever its run time says. */
const RAN_STATES = new Set(['COMPLETED', 'FAILED', 'TIMEOUT', 'OUT_OF_MEMORY']);

/**
 * Whether a notification shows that the Slurm job started: a Began mail, or an end mail of a
 * job that ran (a run time above zero, or a state only a started program reaches). slurmctld
 * runs MailProg concurrently, so a quick job's end mail can reach the bridge before its Began
 * mail; the bridge then sends the `run` the Began mail would have sent (same event id) first.
 * A job cancelled or failed before it started shows neither, and is not run.
 */
export function slurmJobStarted(parsed: SlurmSubject, env?: { readonly SLURM_JOB_STATE?: string | undefined }): boolean {
  if (parsed.kind === 'began') return true;
  if (parsed.kind !== 'ended' && parsed.kind !== 'failed' && parsed.kind !== 'time_limit') return false;
  if (parsed.kind === 'time_limit') return true;
  const state = parsed.state ?? baseState(env?.SLURM_JOB_STATE);
  if (state !== undefined && RAN_STATES.has(state)) return true;
  return parsed.runTime !== undefined && /[1-9]/.test(parsed.runTime);
}
