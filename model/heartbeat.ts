import { v5 as uuidv5 } from 'uuid';
import { PIPELINEJOBS_NAMESPACE } from './job-identity.js';
import type { JobDocument, JobState } from './job.js';

/** The states in which a job is expected to show signs of life, so whose lease a reaper watches. */
export const LIVE_STATES: readonly JobState[] = ['CREATED', 'RUNNING', 'INDEXING', 'VALIDATING'];

/**
 * The heartbeat timeout that holds for a job, in ms: its own (set at create) before its
 * pipeline's; undefined when neither sets one (the job has no lease).
 */
export function heartbeatTimeoutMs(
  job: Pick<JobDocument, 'heartbeat'>,
  pipelineMs: number | undefined,
): number | undefined {
  const own = job.heartbeat?.timeout;
  return own !== undefined ? own * 1000 : pipelineMs;
}

/** The end of a lease renewed at `now`. */
export function leaseUntil(now: Date, timeoutMs: number): string {
  return new Date(now.getTime() + timeoutMs).toISOString();
}

/**
 * The id of the stale mark of one expiry: fixed by the job and the expired lease's end, so any
 * number of reapers that see the same expiry publish the same event and the job gets one mark.
 */
export function staleMarkId(uuid: string, until: string): string {
  return uuidv5(`stale\n${uuid}\n${until}`, PIPELINEJOBS_NAMESPACE);
}

/** The id of a reaper's reconciling event (the scheduler said how the job ended), fixed per expiry. */
export function reconcileEventId(uuid: string, until: string, name: string): string {
  return uuidv5(`reconcile\n${uuid}\n${until}\n${name}`, PIPELINEJOBS_NAMESPACE);
}
