import { PipelineJobsError } from '../errors/index.js';

/** The error for an event id that was already applied to a different job. */
export function eventIdConflict(eventId: string, otherUuid: string): PipelineJobsError {
  return new PipelineJobsError('event_id_conflict', `event id ${eventId} was already applied to job ${otherUuid}`, {
    eventId,
    uuid: otherUuid,
  });
}
