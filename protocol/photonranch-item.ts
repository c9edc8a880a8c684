import type { JobDocument, JobState } from '../model/job.js';
import { ulidTime } from '../model/new-job.js';
import { DEFAULT_QUEUE, REPLICA_QUEUE } from '../model/site-queue.js';

/** Photon Ranch's two independent queues per site: `alternateQueue: true` names the second. */
export type PhotonRanchQueue = typeof DEFAULT_QUEUE | typeof REPLICA_QUEUE;

/** The queue a request's `alternateQueue` names. */
export function queueOf(alternateQueue: unknown): PhotonRanchQueue {
  return alternateQueue === true || alternateQueue === 'true' ? REPLICA_QUEUE : DEFAULT_QUEUE;
}

/** What an item is made of: a stored job, or a job a claim handed out (`ClaimedJob`). */
export type ItemSource = Pick<JobDocument, 'uuid' | 'ulid' | 'state' | 'data' | 'phase' | 'detail' | 'claim'> & {
  readonly site?: string | undefined;
};

/**
 * A job as Photon Ranch's API shows it (the seed's DynamoDB item, seed-systems.md §3), plus the
 * tracker's own `uuid`, `state` and `phase`. The command's fields are the job's data as newjob
 * stored them.
 */
export interface PhotonRanchItem {
  readonly site: string;
  readonly ulid: string;
  /** `<STATUS>#<ulid>`: the job's status word, so `UNREAD#…` sorts the unread by time. */
  readonly statusId: string;
  readonly replicaStatusId: string;
  readonly timestamp_ms: number;
  /** -1 until a site reports an estimate, as in the seed. */
  readonly secondsUntilComplete: number;
  readonly uuid: string;
  readonly state: JobState;
  readonly phase?: string;
  /** The queue the last status report came by (`alternateQueue`). */
  readonly queue?: PhotonRanchQueue;
  readonly [command: string]: unknown;
}

/**
 * The job's Photon Ranch status word: the word a site reported last (its phase), CANCELLED once
 * cancelled, else RECEIVED while a poller holds it, else UNREAD.
 */
export function statusWord(job: ItemSource): string {
  if (job.state === 'CANCELLED') return 'CANCELLED';
  if (job.phase !== undefined) return job.phase;
  return job.claim !== undefined ? 'RECEIVED' : 'UNREAD';
}

/** The item of a job. */
export function photonRanchItem(job: ItemSource): PhotonRanchItem {
  const word = statusWord(job);
  const seconds = job.detail?.['secondsUntilComplete'];
  const queue = job.detail?.['queue'];
  return {
    ...job.data,
    site: job.site ?? '',
    ulid: job.ulid,
    statusId: `${word}#${job.ulid}`,
    replicaStatusId: `${word}#${job.ulid}`,
    timestamp_ms: ulidTime(job.ulid),
    secondsUntilComplete: typeof seconds === 'number' ? seconds : -1,
    uuid: job.uuid,
    state: job.state,
    ...(job.phase !== undefined && { phase: job.phase }),
    ...((queue === 'primary' || queue === 'replica') && { queue }),
  };
}
