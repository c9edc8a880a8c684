import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { redactSlurmTracking } from '../client/slurm-tracking.js';

const run = promisify(execFile);

/** The `SLURM_*` variables of `env` (what slurmctld tells MailProg about the job), the token in the comment blanked. */
export function slurmVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (/^SLURM_[A-Z0-9_]{1,64}$/.test(key) && value !== undefined) picked[key] = value;
  if (picked['SLURM_JOB_COMMENT'] !== undefined) picked['SLURM_JOB_COMMENT'] = redactSlurmTracking(picked['SLURM_JOB_COMMENT']);
  return picked;
}

/**
 * The job's comment: `SLURM_JOB_COMMENT` (Slurm 21.08 and later set it for MailProg), else the
 * `Comment=` field of `scontrol show job -o` (older releases; the job stays visible for MinJobAge).
 */
export async function jobComment(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (env['SLURM_JOB_COMMENT'] !== undefined) return env['SLURM_JOB_COMMENT'];
  const id = env['SLURM_JOB_ID'] ?? env['SLURM_JOBID'];
  if (id === undefined || !/^[0-9_]+$/.test(id)) return undefined;
  try {
    const { stdout } = await run('scontrol', ['show', 'job', '-o', id], { timeout: 10_000 });
    return /\bComment=(.*?)\s+\w+=/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

/** The answer of a delivery attempt: done, give up, or try again. */
type Attempt = { readonly ok: true } | { readonly ok: false; readonly retry: boolean; readonly reason: string };

async function postOnce(url: string, body: string, timeoutMs: number): Promise<Attempt> {
  try {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (res.ok) return { ok: true };
    const code = /"code":"([a-z_]+)"/.exec(text)?.[1] ?? `HTTP ${res.status}`;
    return { ok: false, retry: res.status >= 500 || res.status === 429, reason: `${res.status} ${code}` };
  } catch (err) {
    return { ok: false, retry: true, reason: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Posts one notification to the bridge's `/callbacks/slurm`, retrying (with doubling delays)
 * while the bridge is unreachable, busy or rate-limiting; a refusal (4xx) is final. The event id
 * is derived from the notification, so a retry that reaches the bridge twice is applied once.
 */
export async function deliver(url: string, body: string, delaysMs: readonly number[]): Promise<Attempt> {
  let last: Attempt = { ok: false, retry: false, reason: 'not sent' };
  for (let attempt = 0; attempt <= delaysMs.length; attempt++) {
    last = await postOnce(url, body, 10_000);
    if (last.ok || !last.retry) return last;
    const delay = delaysMs[attempt];
    if (delay !== undefined) await sleep(delay);
  }
  return last;
}

/** Runs the site's ordinary mail program with MailProg's arguments, for jobs not tracked here. */
export function fallBack(program: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}
