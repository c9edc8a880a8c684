import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpApi, type HttpAnswer, type RetryPolicy } from '../client/http-api.js';
import type { SlurmArrayEnd } from '../protocol/slurm-subject.js';
import { redactSlurmTracking } from '../protocol/slurm-tracking.js';

const run = promisify(execFile);

/**
 * slurmctld kills a MailProg that runs longer than this (MAIL_PROG_TIMEOUT in
 * src/slurmctld/agent.c, Slurm 22.05 and later).
 */
export const SLURMCTLD_MAILPROG_TIMEOUT_MS = 120_000;

/**
 * The time one `pjm slurm-mail` call may take, counted from the process start: everything it
 * does (the `scontrol` look-ups, every delivery attempt and the pauses between them) ends by then,
 * which leaves 30 s of slurmctld's 120 s for Node to start on a busy host.
 */
export const MAILPROG_BUDGET_MS = 90_000;

/** How long one `scontrol` look-up may take (the array check's retries included). */
export const SCONTROL_TIMEOUT_MS = 10_000;

/** The `SLURM_*` variables of `env` (what slurmctld tells MailProg about the job), the token in the comment blanked. */
export function slurmVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (/^SLURM_[A-Z0-9_]{1,64}$/.test(key) && value !== undefined) picked[key] = value;
  if (picked['SLURM_JOB_COMMENT'] !== undefined)
    picked['SLURM_JOB_COMMENT'] = redactSlurmTracking(picked['SLURM_JOB_COMMENT']);
  return picked;
}

async function scontrolShowJob(id: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const { stdout } = await run('scontrol', ['show', 'job', '-o', id], {
      timeout: Math.max(1, Math.min(SCONTROL_TIMEOUT_MS, timeoutMs)),
    });
    return stdout;
  } catch {
    return undefined;
  }
}

/**
 * The job's comment: `SLURM_JOB_COMMENT` (Slurm 21.08 and later set it for MailProg), else the
 * `Comment=` field of `scontrol show job -o` (older releases; the job stays visible for MinJobAge).
 */
export async function jobComment(env: NodeJS.ProcessEnv, deadline: number): Promise<string | undefined> {
  if (env['SLURM_JOB_COMMENT'] !== undefined) return env['SLURM_JOB_COMMENT'];
  const id = env['SLURM_JOB_ID'] ?? env['SLURM_JOBID'];
  if (id === undefined || !/^[0-9_]+$/.test(id)) return undefined;
  return /\bComment=(.*?)\s+\w+=/.exec((await scontrolShowJob(id, deadline - Date.now())) ?? '')?.[1];
}

// Base states of an ended job (job_state_string, src/common/slurm_protocol_defs.c); any other
// word (PENDING, RUNNING, COMPLETING, REQUEUED, ...) means the task is not over.
const ENDED_STATES = new Set([
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
]);

/**
 * Reads `scontrol show job -o <array>` output: the tasks' states when every task listed has
 * ended, else undefined. A line of pending tasks (`ArrayTaskId=3-5`) or any state not in
 * {@link ENDED_STATES} means the array goes on.
 */
export function endedArrayTasks(scontrolOutput: string): Map<string, string> | undefined {
  const tasks = new Map<string, string>();
  for (const line of scontrolOutput.split('\n')) {
    if (line.trim() === '') continue;
    const task = /\bArrayTaskId=(\S+)/.exec(line)?.[1];
    const state = /\bJobState=(\S+)/.exec(line)?.[1];
    if (task === undefined || state === undefined || !/^\d+$/.test(task) || !ENDED_STATES.has(state)) return undefined;
    tasks.set(task, state);
  }
  return tasks.size === 0 ? undefined : tasks;
}

/**
 * For the end mail of one task of an `ARRAY_TASKS` array: the whole array's end when no task of
 * it is left (slurmctld sends no whole-array mail then), else undefined. A task still COMPLETING
 * is asked about again for a few seconds; tasks purged after MinJobAge are not listed.
 */
export async function arrayEnd(env: NodeJS.ProcessEnv, deadline: number): Promise<SlurmArrayEnd | undefined> {
  const arrayJobId = env['SLURM_ARRAY_JOB_ID'];
  const count = Number(env['SLURM_ARRAY_TASK_COUNT']);
  if (arrayJobId === undefined || !/^\d+$/.test(arrayJobId) || !Number.isSafeInteger(count) || count < 1)
    return undefined;
  // The last task's own record can still be COMPLETING when its mail goes out.
  const checkUntil = Math.min(deadline, Date.now() + SCONTROL_TIMEOUT_MS);
  for (let pause = 250; ; pause = Math.min(pause * 2, 2000)) {
    const output = await scontrolShowJob(arrayJobId, checkUntil - Date.now());
    const tasks = output === undefined ? undefined : endedArrayTasks(output);
    if (tasks !== undefined) return summarize(count, tasks);
    if (output === undefined || !onlyCompleting(output) || Date.now() + pause >= checkUntil) return undefined;
    await sleep(pause);
  }
}

/** Whether every task of the array that has not ended is COMPLETING (and so about to). */
function onlyCompleting(scontrolOutput: string): boolean {
  const going = scontrolOutput
    .split('\n')
    .filter((line) => /\bJobState=/.test(line) && !ENDED_STATES.has(/\bJobState=(\S+)/.exec(line)?.[1] ?? ''));
  return going.length > 0 && going.every((line) => /\bJobState=COMPLETING\b/.test(line));
}

function summarize(count: number, tasks: ReadonlyMap<string, string>): SlurmArrayEnd {
  const states: Record<string, number> = {};
  const notCompleted: string[] = [];
  for (const [task, state] of [...tasks].sort(([a], [b]) => Number(a) - Number(b))) {
    states[state] = (states[state] ?? 0) + 1;
    if (state !== 'COMPLETED' && notCompleted.length < 100) notCompleted.push(task);
  }
  return { tasks: count, states, notCompleted };
}

/** The answer of a delivery attempt: done, give up, or try again. */
type Attempt = { readonly ok: true } | { readonly ok: false; readonly retry: boolean; readonly reason: string };

/** The bridge is unreachable, busy or rate-limiting: worth another attempt. A refusal (4xx) is final. */
function worthRetrying(status: number): boolean {
  return status >= 500 || status === 429;
}

function attemptOf(last: HttpAnswer | Error): Attempt {
  if (last instanceof Error) return { ok: false, retry: true, reason: last.message };
  if (last.status >= 200 && last.status < 300) return { ok: true };
  const text = typeof last.body === 'string' ? last.body : (JSON.stringify(last.body) ?? '');
  const code = /"code":"([a-z_]+)"/.exec(text)?.[1] ?? `HTTP ${last.status}`;
  return { ok: false, retry: worthRetrying(last.status), reason: `${last.status} ${code}` };
}

/** The budget ran out; `last` is how the last attempt ended, if there was one. */
class OutOfTime extends Error {
  constructor(readonly last: HttpAnswer | Error | undefined) {
    super('out of time');
  }
}

/** How {@link deliver} spends its time. */
export interface DeliveryBudget {
  /** Epoch milliseconds by which the last attempt has ended. */
  readonly deadline: number;
  /** The longest one attempt may take. */
  readonly attemptTimeoutMs: number;
  /** The pause after the first failed attempt; it doubles up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

/** Attempts of 10 s at most, pauses of 1, 2, 4, 8, 16, 16 … s, until the deadline. */
export function deliveryBudget(deadline: number): DeliveryBudget {
  return { deadline, attemptTimeoutMs: 10_000, firstDelayMs: 1000, maxDelayMs: 16_000 };
}

/**
 * Posts one notification to the bridge's `/callbacks/slurm`, retrying (with doubling pauses)
 * while the bridge is unreachable, busy or rate-limiting, until the budget's deadline; a refusal
 * (4xx) is final. The event id is derived from the notification, so a retry that reaches the
 * bridge twice is applied once.
 */
export async function deliver(url: string, body: string, budget: DeliveryBudget): Promise<Attempt> {
  const api = new HttpApi({ url });
  const policy: RetryPolicy = {
    retries: Number.POSITIVE_INFINITY,
    retryable: worthRetrying,
    delayMs: (attempt) => Math.min(budget.firstDelayMs * 2 ** attempt, budget.maxDelayMs),
    attemptTimeoutMs: budget.attemptTimeoutMs,
    // A pause that leaves no time for an attempt is not worth taking.
    minAttemptMs: 1000,
  };
  try {
    return attemptOf(
      await api.call('POST', '', {
        body,
        deadline: budget.deadline,
        policy,
        onDeadline: (last) => new OutOfTime(last),
      }),
    );
  } catch (err) {
    if (!(err instanceof OutOfTime)) throw err;
    return err.last === undefined ? { ok: false, retry: false, reason: 'no time left to send' } : attemptOf(err.last);
  }
}

/** Runs the site's ordinary mail program with MailProg's arguments, for jobs not tracked here. */
export function fallBack(program: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}
