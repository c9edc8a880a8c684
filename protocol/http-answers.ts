import type { JobState } from '../model/job.js';
import type { JobCallbacks } from './callback-urls.js';

/**
 * The JSON Schema of {@link EventAnswer}: the bridge's event routes answer through it (fastify
 * serialises with it, so a field it lacks is never sent); a unit test keeps the type equal to it.
 */
export const EVENT_ANSWER_SCHEMA = {
  type: 'object',
  properties: {
    eventId: { type: 'string' },
    uuid: { type: 'string' },
    status: { type: 'string', enum: ['accepted', 'pending', 'applied', 'duplicate'] },
    state: { type: 'string' },
    version: { type: 'integer' },
  },
} as const;

/**
 * What the bridge knows of an event it took: `accepted` (on the bus), `pending` (on the bus, no
 * verdict within the wait), or the manager's outcome.
 */
export type AnswerStatus = (typeof EVENT_ANSWER_SCHEMA.properties.status.enum)[number];

/** The answer of `POST /events` and `POST /callbacks/*` (200 decided, 202 accepted or pending). */
export interface EventAnswer {
  readonly eventId: string;
  readonly uuid: string;
  readonly status: AnswerStatus;
  /** With a decided status: the job's state and version after the event. */
  readonly state?: JobState;
  readonly version?: number;
}

/**
 * The answer of `POST /jobs`: the job's identity, its token (to its creator and admins only),
 * where it archives, and ready-made callbacks. 201 applied, 200 duplicate (an existing job, its
 * current state), 202 accepted or pending (no state yet).
 */
export interface CreateAnswer {
  readonly uuid: string;
  readonly token: string;
  readonly pipeline: string;
  readonly archivePath: string;
  /** The create event's id (derived from the uuid: every create of a job has the same). */
  readonly eventId: string;
  readonly callbacks: JobCallbacks;
  readonly status: AnswerStatus;
  readonly state?: JobState;
  readonly version?: number;
}
