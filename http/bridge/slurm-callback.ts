import { redactSlurmTracking } from '../../client/slurm-tracking.js';
import type { JobEventMessage, PayloadLimits, SlurmNotification } from '../../schemas/index.js';
import { parseEventMessage } from '../../schemas/index.js';
import { callbackEventId } from './request-parts.js';
import { parseSlurmSubject, slurmEvent, slurmJobStarted } from './slurm-event.js';

type Identified = JobEventMessage & { readonly id: string };

/**
 * The events of one `/callbacks/slurm` call: the translated notification, and the `run` it
 * implies when it is an end mail of a job that started (see {@link slurmJobStarted}). The
 * Began mail and the implied run share one id per Slurm job run, so whichever arrives second is
 * a duplicate. The Slurm variables are kept in the entry's data, the comment's token blanked.
 */
export function slurmCallbackEvents(
  notification: SlurmNotification,
  uuid: string,
  token: string | undefined,
  limits: PayloadLimits,
): { message: Identified; implied?: Identified } {
  const env = notification.env ?? {};
  const subject = parseSlurmSubject(notification.subject);
  const { name, data } = slurmEvent(subject, { SLURM_JOB_STATE: env['SLURM_JOB_STATE'], SLURM_JOB_EXIT_CODE_MAX: env['SLURM_JOB_EXIT_CODE_MAX'] });
  if (notification.env !== undefined) {
    const comment = env['SLURM_JOB_COMMENT'];
    data['env'] = comment === undefined ? env : { ...env, SLURM_JOB_COMMENT: redactSlurmTracking(comment) };
  }
  const event = (eventName: string, eventData: Record<string, unknown>): JobEventMessage =>
    parseEventMessage({ uuid, name: eventName, data: eventData, source: 'slurm', ...(token !== undefined && { token }) }, limits) as JobEventMessage;
  // A requeued job starts again: its restart count makes that a new start.
  const startId = callbackEventId('slurm-start', uuid, subject.jobId || env['SLURM_JOB_ID'], env['SLURM_JOB_RESTART_COUNT']);
  if (subject.kind === 'began') return { message: { ...event(name, data), id: startId } };
  const message = { ...event(name, data), id: callbackEventId('slurm', uuid, notification.subject, env['SLURM_JOB_ID']) };
  if (!slurmJobStarted(subject, { SLURM_JOB_STATE: env['SLURM_JOB_STATE'] })) return { message };
  return { message, implied: { ...event('run', { slurm: { jobId: subject.jobId, kind: 'began', impliedBy: notification.subject } }), id: startId } };
}
