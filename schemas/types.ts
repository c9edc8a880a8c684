/**
 * TypeScript shapes of the message JSON Schemas in this folder (the job's own shapes are in
 * `model/job.ts`). The schemas are the source of truth.
 */
import type { JobEventName, JsonObject, SentNoteName } from '../model/job.js';

/** Fields every event message may carry (`event.schema.json`). */
interface EventMessageBase {
  /** Idempotency key (uuid); the manager generates one when absent. */
  id?: string;
  data?: JsonObject;
  /** Per-job token. */
  token?: string;
  /** Short identifier of the channel: amqp, http, agave, slurm, cli … */
  source?: string;
  /** Free-form progress, e.g. `{status: 'EXPOSING', secondsUntilComplete: 30}`. */
  detail?: JsonObject;
  /** The publisher's per-job sequence number; sequenced events apply in this order. */
  seq?: number;
}

/** A `create` event: names its pipeline; the job uuid is derived, so `uuid` is optional. */
export interface CreateEventMessage extends EventMessageBase {
  name: 'create';
  pipeline: string;
  uuid?: string;
  owner?: string;
  site?: string;
  /** The site queue (default `primary`). */
  queue?: string;
  /** The job's ulid, chosen by the publisher: the job is then named by it (see `jobUuid`). */
  ulid?: string;
  archivePath?: string;
  /** The credential the create is made for; only with a `token` that proves it (see `event.schema.json`). */
  creator?: string;
  /** The job's own heartbeat timeout (docs/heartbeats.md). */
  heartbeat?: JobHeartbeatRequest;
}

/** A job's own heartbeat policy at create: seconds, or a string with a unit (`10m`). */
export interface JobHeartbeatRequest {
  timeout: number | string;
}

/** Fields of a job-scoped event (every event except `create`), which names its job by `uuid`. */
interface JobScopedFields extends EventMessageBase {
  uuid: string;
  pipeline?: string;
  /** A word of the job pipeline's status vocabulary; the manager translates it (`name` overrides its event). */
  status?: string;
  /** The phase the event gives the job, checked against the vocabulary's transition table. */
  phase?: string;
}

/** A job-scoped event that names its event. */
export interface JobEventMessage extends JobScopedFields {
  /** A machine event, or a note (`heartbeat`, `stale`). */
  name: Exclude<JobEventName, 'create'> | SentNoteName;
}

/** A job-scoped event that gives a status word instead of an event name. */
export interface StatusEventMessage extends JobScopedFields {
  name?: Exclude<JobEventName, 'create'>;
  status: string;
}

/**
 * The canonical event message; narrow on `name === 'create'` to learn whether `uuid` or
 * `pipeline` is present, and on `name` to learn whether a status word still needs translating.
 */
export type EventMessage = CreateEventMessage | JobEventMessage | StatusEventMessage;

/** A parsed create request (`create-request.schema.json`); `data` defaults to `{}`. */
export interface CreateRequest {
  pipeline: string;
  data: JsonObject;
  owner?: string;
  site?: string;
  /** The site queue (default `primary`). */
  queue?: string;
  archivePath?: string;
  detail?: JsonObject;
  heartbeat?: JobHeartbeatRequest;
}

/** Take up to `max` of the oldest claimable jobs of a site queue for `leaseMs` (`claim-request.schema.json`). */
export interface ClaimJobsMessage {
  op: 'claim';
  id: string;
  site: string;
  queue: string;
  max: number;
  leaseMs: number;
  by: string;
  /** A phase every claimed job takes in the claim note's write (Photon Ranch's RECEIVED). */
  phase?: string;
  /** When the requester stops waiting (ISO-8601): the manager takes no job after it. */
  answerBy?: string;
}

/** Give a claimed job back before its lease ends. */
export interface ReleaseJobMessage {
  op: 'release';
  id: string;
  uuid: string;
  /** When present, the job must be of this site. */
  site?: string;
  by: string;
}

/** A message about claims, sent to the manager with routing key `claim`. */
export type ClaimRequestMessage = ClaimJobsMessage | ReleaseJobMessage;
/**
 * A create as the bridge's routes and the manager build jobs from: a create request, plus the
 * job's ulid when the create names its own (Photon Ranch's newjob; `POST /jobs` does not take it).
 */
export type NamedCreateRequest = CreateRequest & { ulid?: string };

/** An Agave/Tapis v2 job notification body (`agave-job.schema.json`); unknown fields are kept. */
export interface AgaveJob {
  /** The Agave job id, not the pipeline-job uuid. */
  id: string;
  /** Absent when the status travels in the callback URL instead. */
  status?: string;
  name?: string;
  owner?: string;
  appId?: string;
  executionSystem?: string;
  archive?: boolean;
  archivePath?: string;
  archiveSystem?: string;
  [key: string]: unknown;
}

/** What `pjm slurm-mail` posts to `/callbacks/slurm` (`slurm-notification.schema.json`). */
export interface SlurmNotification {
  subject: string;
  user?: string;
  env?: Record<string, string>;
  arrayEnd?: { tasks: number; states: Record<string, number>; notCompleted: string[] };
}
