import type { JobDocument } from '../model/job.js';
import type { LaunchExpectation } from '../ports/job-store.js';

/** What a dispatcher does about one job of a launchable pipeline. */
export type LaunchDecision =
  /** Claim it (`markLaunch` from `expected`) and launch it. */
  | { readonly action: 'launch'; readonly expected: LaunchExpectation }
  /** Another dispatcher claimed it and went quiet: take the claim over, then find or launch. */
  | { readonly action: 'reconcile'; readonly expected: LaunchExpectation }
  | { readonly action: 'skip'; readonly why: string };

/**
 * The dispatcher's rule, a pure function of the job and the clock. A job is launched while it is
 * CREATED and has no launch record — or its record is of an earlier attempt (a retry policy made
 * it ready again, docs/retries.md), or predates a `ready` (a reset job made ready again by hand is
 * launched anew). A record still at `intent` after `graceMs` belongs to a dispatcher that stopped
 * between its claim and its record: it is reconciled, never launched blindly. The launch record is
 * per attempt: `markLaunch` from the record of the attempt before lets exactly one dispatcher win.
 */
export function decideLaunch(job: JobDocument, now: Date, graceMs: number): LaunchDecision {
  if (job.state !== 'CREATED') return { action: 'skip', why: `the job is ${job.state}` };
  const launch = job.launch;
  if (launch === undefined) return { action: 'launch', expected: null };
  const expected = { state: launch.state, by: launch.by, at: launch.at };
  if ((launch.attempt ?? 1) < (job.attempts ?? 1)) return { action: 'launch', expected };
  if (launch.state === 'intent') {
    const age = now.getTime() - Date.parse(launch.at);
    return age > graceMs ? { action: 'reconcile', expected } : { action: 'skip', why: `${launch.by} is launching it` };
  }
  if (job.lastEvent === 'ready' && launch.at < job.updated) return { action: 'launch', expected };
  return { action: 'skip', why: `already ${launch.state} by ${launch.by}` };
}
