import { PipelineJobsError } from '../../errors/index.js';
import type { JobDocument } from '../../model/job.js';
import type { JobStore } from '../../ports/job-store.js';

/**
 * The job `ulid` names, if it belongs to `site`: a job of another site is as unknown as one that
 * does not exist (404 `unknown_job`), so a caller for one site never reads or moves another's.
 */
export async function siteJob(store: Pick<JobStore, 'list'>, site: string, ulid: string): Promise<JobDocument> {
  const [job] = (await store.list({ ulid: ulid.toUpperCase(), site, limit: 1 })).jobs;
  if (job === undefined)
    throw new PipelineJobsError('unknown_job', `no job ${ulid.slice(0, 32)} at site ${site.slice(0, 64)}`, {
      site: site.slice(0, 64),
      ulid: ulid.slice(0, 32),
    });
  return job;
}
