import { setTimeout as sleep } from 'node:timers/promises';
import type { JobDocument } from '../../model/job.js';
import type { JobStore } from '../../ports/job-store.js';

const POLL_MS = 50;

/**
 * The job once its launch is settled (launched or failed), read again every 50 ms for at most
 * `timeoutMs`; the last read otherwise (launch still an intent, or not recorded at all). The
 * dispatcher launches on the create's state notification, so the record usually lands within
 * milliseconds of the create; this bounds how long a Rubin create waits for its `cluster_id`.
 */
export async function settledLaunch(
  store: Pick<JobStore, 'get'>,
  uuid: string,
  timeoutMs: number,
): Promise<JobDocument | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await store.get(uuid);
    const state = job?.launch?.state;
    if ((state !== undefined && state !== 'intent') || Date.now() + POLL_MS > deadline) return job;
    await sleep(POLL_MS);
  }
}
