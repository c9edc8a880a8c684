import type { AgaveJob } from '../../schemas/index.js';
import type { JobEventName } from '../../model/job.js';

/**
 * Agave job status → pipeline-job event, exactly as SD2E python-datacatalog's `AgaveEvents` map
 * (`linkedstores/pipelinejob/mappings.py`), with one correction: SD2E maps UPDATED to `updated`,
 * which is not an event and made the manager raise, so UPDATED maps to `update` here.
 * Statuses missing from the table map to {@link AGAVE_DEFAULT_EVENT}.
 */
export const AGAVE_STATUS_EVENTS: Readonly<Record<string, JobEventName>> = Object.freeze({
  CREATED: 'resource',
  UPDATED: 'update',
  DELETED: 'fail',
  PERMISSION_GRANT: 'resource',
  PERMISSION_REVOKE: 'resource',
  PENDING: 'resource',
  PROCESSING_INPUTS: 'resource',
  STAGING_INPUTS: 'resource',
  STAGED: 'resource',
  STAGING_JOB: 'resource',
  SUBMITTING: 'resource',
  QUEUED: 'resource',
  RUNNING: 'run',
  PAUSED: 'resource',
  CLEANING_UP: 'resource',
  ARCHIVING: 'resource',
  ARCHIVING_FINISHED: 'resource',
  FINISHED: 'finish',
  // SD2E keeps a killed job RUNNING rather than failing it.
  KILLED: 'update',
  FAILED: 'fail',
  STOPPED: 'fail',
  ARCHIVING_FAILED: 'fail',
  HEARTBEAT: 'update',
});

/** The event for an Agave status not in {@link AGAVE_STATUS_EVENTS} (the SD2E manager's default). */
export const AGAVE_DEFAULT_EVENT: JobEventName = 'update';

/** An Agave notification macro the notifier left unexpanded, e.g. `${STATUS}`. */
const MACRO = /\$\{[^}]*\}/;

function usable(status: unknown): string | undefined {
  if (typeof status !== 'string') return undefined;
  const trimmed = status.trim();
  if (trimmed === '' || MACRO.test(trimmed)) return undefined;
  return trimmed.toUpperCase();
}

/**
 * The pipeline-job event for an Agave job callback.
 *
 * The status is the callback URL's `status` parameter when it holds a real value, else the body's
 * `status`; an empty value or an unexpanded macro (`${STATUS}`, `${JOB_STATUS}`, any `${...}`) in
 * the URL falls back to the body. The status is compared case-insensitively and returned
 * upper-cased.
 *
 * @param urlStatus - the `status` (or `state`) query parameter, if any
 * @param body - the notification body, if any
 * @returns the event name and the status it came from, or `undefined` when no status is available
 */
export function agaveEvent(
  urlStatus: string | undefined,
  body: AgaveJob | undefined,
): { name: JobEventName; status: string } | undefined {
  const status = usable(urlStatus) ?? usable(body?.status);
  if (status === undefined) return undefined;
  const name = Object.hasOwn(AGAVE_STATUS_EVENTS, status) ? AGAVE_STATUS_EVENTS[status] : undefined;
  return { name: name ?? AGAVE_DEFAULT_EVENT, status };
}
