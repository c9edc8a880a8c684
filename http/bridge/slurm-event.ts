import type { StatusEventName } from '../../registry/vocabulary.js';
import { builtinLists, builtinStatus } from '../../registry/builtin-vocabularies.js';
import {
  exitCodeOf,
  type SlurmArrayEnd,
  type SlurmNotificationKind,
  type SlurmSubject,
} from '../../protocol/slurm-subject.js';

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
 * `data.slurm` carries the parsed fields (undefined ones omitted) and the subject; a `fail` also
 * carries `reason`, and the fields a retry policy classifies by (docs/retries.md): `error_subtype`
 * (the Slurm state: TIMEOUT, OUT_OF_MEMORY, NODE_FAIL…), `error_message` and `exit_code` when
 * known. The environment fills in state and exit code the subject lacks.
 *
 * @param parsed - from `parseSlurmSubject` (protocol/slurm-subject.ts)
 * @param env - the `SLURM_JOB_*` variables slurmctld gives `MailProg`
 */
export function slurmEvent(
  parsed: SlurmSubject,
  env?: { readonly SLURM_JOB_STATE?: string | undefined; readonly SLURM_JOB_EXIT_CODE_MAX?: string | undefined },
): { name: StatusEventName; phase?: string; data: Record<string, unknown> } {
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

  const word =
    parsed.array === 'task' && parsed.kind !== 'began'
      ? 'ARRAY_TASK'
      : slurmWord(parsed.kind, baseState(state), exitCode);
  const { name, phase } = builtinStatus('slurm', word);
  const data: Record<string, unknown> = { slurm };
  if (name === 'fail') Object.assign(data, failData(baseState(state), exitCode));
  return { name, ...(phase !== undefined && { phase }), data };
}

/** The mail kinds named by one word of the `slurm` vocabulary whatever the job state. */
const KIND_WORDS: Readonly<Partial<Record<SlurmNotificationKind, string>>> = {
  began: 'BEGAN',
  time_limit: 'TIME_LIMIT',
  requeued: 'REQUEUED',
  stage_out: 'STAGE_OUT',
  invalid_dependency: 'INVALID_DEPENDENCY',
};

/** Words of the vocabulary that name a kind of mail, not a job state: a state never stands for them. */
const NOT_STATES: ReadonlySet<string> = new Set([...Object.values(KIND_WORDS), 'ARRAY_TASK']);

/**
 * The `slurm` vocabulary word a notification reports: its kind's word, else (an end mail) the
 * job state when the vocabulary lists it, FAILED for a Failed mail, an unlisted state as it is
 * (an `update`), and without a state COMPLETED on exit code 0 (or none), FAILED otherwise.
 */
function slurmWord(kind: SlurmNotificationKind, state: string | undefined, exitCode: number | undefined): string {
  const byKind = KIND_WORDS[kind];
  if (byKind !== undefined) return byKind;
  if (kind === 'other') return 'OTHER';
  if (state !== undefined && builtinLists('slurm', state) && !NOT_STATES.has(state)) return state;
  if (kind === 'failed') return 'FAILED';
  if (state !== undefined) return state;
  return exitCode === undefined || exitCode === 0 ? 'COMPLETED' : 'FAILED';
}

/** A Slurm `fail`'s data besides `slurm`: its reason, and the fields retry policies match. */
function failData(state: string | undefined, exitCode: number | undefined): Record<string, unknown> {
  const reason = failReason(state, exitCode);
  return {
    reason,
    error_subtype: state ?? 'FAILED',
    error_message: reason,
    ...(exitCode !== undefined && { exit_code: exitCode }),
  };
}

function failReason(state: string | undefined, exitCode: number | undefined): string {
  if (state === 'CANCELLED') return 'Slurm job was cancelled';
  if (state === 'MIXED') return 'some tasks of the Slurm job array did not complete';
  if (state !== undefined) return `Slurm job ended in state ${state}`;
  return `Slurm job failed${exitCode === undefined ? '' : ` with exit code ${exitCode}`}`;
}

/**
 * The pipeline-job event for the end of a whole job array: `finish` when every task listed
 * completed, `fail` otherwise, with `data.slurm` shaped like an array summary's.
 *
 * @param task - the parsed end mail of the array's last task
 */
export function slurmArrayEnd(
  task: SlurmSubject,
  end: SlurmArrayEnd,
): { name: StatusEventName; phase?: string; data: Record<string, unknown> } {
  const arrayJobId = task.jobId.replace(/_.*$/, '');
  const listed = Object.entries(end.states);
  const completed = end.states['COMPLETED'] ?? 0;
  const state =
    completed === listed.reduce((sum, [, n]) => sum + n, 0)
      ? 'COMPLETED'
      : listed.length === 1
        ? listed[0]?.[0]
        : 'MIXED';
  const slurm = {
    jobId: `${arrayJobId}_*`,
    jobName: task.jobName,
    kind: 'ended',
    array: 'summary',
    state,
    tasks: end.tasks,
    states: end.states,
    endedWith: task.raw,
  };
  // A listed failure state names the array's phase; anything else that is not COMPLETED is MIXED.
  const word =
    state === 'COMPLETED' || (state !== undefined && builtinStatus('slurm', state).name === 'fail') ? state : 'MIXED';
  const { name, phase } = builtinStatus('slurm', word);
  const phased = phase === undefined ? {} : { phase };
  if (name === 'finish') return { name, ...phased, data: { slurm } };
  const which =
    end.notCompleted.length === 0
      ? 'some tasks'
      : `task${end.notCompleted.length === 1 ? '' : 's'} ${end.notCompleted.join(', ')}`;
  return { name, ...phased, data: { slurm, reason: `${which} of Slurm job array ${arrayJobId} did not complete` } };
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
export function slurmJobStarted(
  parsed: SlurmSubject,
  env?: { readonly SLURM_JOB_STATE?: string | undefined },
): boolean {
  if (parsed.kind === 'began') return true;
  if (parsed.kind !== 'ended' && parsed.kind !== 'failed' && parsed.kind !== 'time_limit') return false;
  if (parsed.kind === 'time_limit') return true;
  const state = parsed.state ?? baseState(env?.SLURM_JOB_STATE);
  if (state !== undefined && RAN_STATES.has(state)) return true;
  return parsed.runTime !== undefined && /[1-9]/.test(parsed.runTime);
}
