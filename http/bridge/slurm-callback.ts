import { parseSlurmSubject } from '../../protocol/slurm-subject.js';
import { builtinStatus } from '../../registry/builtin-vocabularies.js';
import { redactSlurmTracking } from '../../protocol/slurm-tracking.js';
import type { JobEventMessage, PayloadLimits, SlurmNotification } from '../../schemas/index.js';
import { parseEventMessage } from '../../schemas/index.js';
import { callbackEventId } from './request-parts.js';
import { slurmArrayEnd, slurmEvent, slurmJobStarted } from './slurm-event.js';

type Identified = JobEventMessage & { readonly id: string };

/**
 * The events of one `/callbacks/slurm` call, in the order they apply: the `run` an end mail of a
 * job that started implies (see {@link slurmJobStarted}), the translated notification, and, when
 * `pjm slurm-mail` reports that an `ARRAY_TASKS` array's last task ended, the array's end. The
 * last is the one the caller's verdict is about. The Began mail and the implied run share one id
 * per Slurm job run, so whichever arrives second is a duplicate; so do two reports of one
 * array's end. The Slurm variables are kept in the notification's data, the comment's token blanked.
 */
export function slurmCallbackEvents(
  notification: SlurmNotification,
  uuid: string,
  token: string | undefined,
  limits: PayloadLimits,
): { message: Identified; implied: Identified[] } {
  const env = notification.env ?? {};
  const subject = parseSlurmSubject(notification.subject);
  const { name, phase, data } = slurmEvent(subject, {
    SLURM_JOB_STATE: env['SLURM_JOB_STATE'],
    SLURM_JOB_EXIT_CODE_MAX: env['SLURM_JOB_EXIT_CODE_MAX'],
  });
  if (notification.env !== undefined) {
    const comment = env['SLURM_JOB_COMMENT'];
    data['env'] = comment === undefined ? env : { ...env, SLURM_JOB_COMMENT: redactSlurmTracking(comment) };
  }
  const event = (eventName: string, eventData: Record<string, unknown>, eventPhase?: string): JobEventMessage =>
    parseEventMessage(
      {
        uuid,
        name: eventName,
        data: eventData,
        source: 'slurm',
        ...(eventPhase !== undefined && { phase: eventPhase }),
        ...(token !== undefined && { token }),
      },
      limits,
    ) as JobEventMessage;
  // A requeued job starts again: its restart count makes that a new start.
  const startId = callbackEventId(
    'slurm-start',
    uuid,
    subject.jobId || env['SLURM_JOB_ID'],
    env['SLURM_JOB_RESTART_COUNT'],
  );
  if (subject.kind === 'began') return { message: { ...event(name, data, phase), id: startId }, implied: [] };
  const events: Identified[] = [];
  if (slurmJobStarted(subject, { SLURM_JOB_STATE: env['SLURM_JOB_STATE'] })) {
    events.push({
      ...event(
        'run',
        { slurm: { jobId: subject.jobId, kind: 'began', impliedBy: notification.subject } },
        builtinStatus('slurm', 'BEGAN').phase,
      ),
      id: startId,
    });
  }
  events.push({
    ...event(name, data, phase),
    id: callbackEventId('slurm', uuid, notification.subject, env['SLURM_JOB_ID']),
  });
  if (
    notification.arrayEnd !== undefined &&
    subject.array === 'task' &&
    (subject.kind === 'ended' || subject.kind === 'failed')
  ) {
    const end = slurmArrayEnd(subject, notification.arrayEnd);
    events.push({
      ...event(end.name, end.data, end.phase),
      id: callbackEventId('slurm-array-end', uuid, subject.jobId.replace(/_.*$/, '')),
    });
  }
  const message = events.pop() as Identified;
  return { message, implied: events };
}
