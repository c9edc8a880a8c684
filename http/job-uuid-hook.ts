import type { FastifyInstance } from 'fastify';
import type { JobStore } from '../ports/job-store.js';
import { parseJobUuid } from '../schemas/uuid-format.js';

/** A ULID in either case (a job's `ulid`, as Photon Ranch names its jobs). */
const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/i;

/** What resolving a job id needs: the ulid lookup. */
export type JobIdLookup = Pick<JobStore, 'list'>;

/**
 * Rewrites `values.uuid` to the stored form when it names a job: a uuid in either spelling, or
 * a job's ulid (looked up; one indexed read). Leaves anything else — an unknown ulid included —
 * for the schema or the route to judge. The one place the HTTP API reads a caller's job id.
 */
export async function resolveJobUuid(values: unknown, jobs: JobIdLookup): Promise<void> {
  if (values === null || typeof values !== 'object') return;
  const record = values as Record<string, unknown>;
  const given = record['uuid'];
  if (typeof given !== 'string') return;
  const uuid = parseJobUuid(given);
  if (uuid !== undefined) {
    record['uuid'] = uuid;
    return;
  }
  if (!ULID_PATTERN.test(given)) return;
  const [job] = (await jobs.list({ ulid: given.toUpperCase(), limit: 1 })).jobs;
  if (job !== undefined) record['uuid'] = job.uuid;
}

/**
 * Makes every job id in a URL (`:uuid` in the path, `?uuid=`) the stored uuid before the route
 * validates it, so each route that takes a job uuid also takes it without dashes (Rubin OCPS's
 * `job_id`), in upper case, and as the job's ulid (Photon Ranch's id); the JSON event body of
 * `POST /events` goes through {@link resolveJobUuid} too. Anything else is left for the route's
 * schema to refuse.
 */
export function acceptEveryJobIdForm(app: FastifyInstance, jobs: JobIdLookup): void {
  app.addHook('preValidation', async (request) => {
    await resolveJobUuid(request.params, jobs);
    await resolveJobUuid(request.query, jobs);
  });
}
