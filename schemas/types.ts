/**
 * TypeScript shapes of the JSON Schemas in this folder. The schemas are the source of truth;
 * `test/unit/schemas/schema-parity.test.ts` keeps these unions equal to the schema enums and to `fsm/`.
 * (schemas/ may not import fsm/, so the unions are spelled out here.)
 */

/** One of the 12 states of the pipeline-job machine. */
export type JobState =
  | 'CREATED'
  | 'RUNNING'
  | 'FAILED'
  | 'FINISHED'
  | 'INDEXING'
  | 'VALIDATING'
  | 'VALIDATED'
  | 'REJECTED'
  | 'FINALIZED'
  | 'RETIRED'
  | 'RESET'
  | 'CANCELLED';

/** One of the 16 events of the pipeline-job machine. */
export type JobEventName =
  | 'create'
  | 'run'
  | 'update'
  | 'resource'
  | 'fail'
  | 'finish'
  | 'index'
  | 'indexed'
  | 'validate'
  | 'validated'
  | 'reject'
  | 'finalize'
  | 'retire'
  | 'reset'
  | 'ready'
  | 'cancel';

/** Free-form user data. Keys are opaque and must be stored and returned unchanged. */
export interface JsonObject {
  [key: string]: unknown;
}

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
  archivePath?: string;
  /** The credential the create is made for; only with a `token` that proves it (see `event.schema.json`). */
  creator?: string;
}

/** Any job-scoped event (every event except `create`): names its job by `uuid`. */
export interface JobEventMessage extends EventMessageBase {
  name: Exclude<JobEventName, 'create'>;
  uuid: string;
  pipeline?: string;
}

/** The canonical event message; narrow on `name` to learn whether `uuid` or `pipeline` is present. */
export type EventMessage = CreateEventMessage | JobEventMessage;

/** A parsed create request (`create-request.schema.json`); `data` defaults to `{}`. */
export interface CreateRequest {
  pipeline: string;
  data: JsonObject;
  owner?: string;
  site?: string;
  archivePath?: string;
  detail?: JsonObject;
}

/** One applied event in a job's history (`history-entry.schema.json`). */
export interface HistoryEntry {
  /** The event id. */
  id: string;
  name: JobEventName;
  /** ISO-8601 UTC with milliseconds. */
  date: string;
  /** The event's data, or null when it carried none. */
  data: JsonObject | null;
  source: string;
  /** State after this event. */
  state: JobState;
  /** Job version after this event. */
  version: number;
  /** The publisher's sequence number of this event, when it carried one. */
  seq?: number;
}

/** Who holds a job and until when (`job.schema.json#/properties/claim`). */
export interface JobClaim {
  by: string;
  until: string;
}

/** A job as stored and returned (`job.schema.json`). */
export interface JobDocument {
  uuid: string;
  ulid: string;
  pipeline: string;
  state: JobState;
  /** 1 after create, +1 per applied event. */
  version: number;
  data: JsonObject;
  created: string;
  updated: string;
  lastEvent: JobEventName;
  owner?: string;
  /** The credential that created the job (`admin`, `nonce:<id>`, `loopback`, `amqp:<user>`, `bus`); absent on older jobs. */
  creator?: string;
  site?: string;
  archivePath?: string;
  claim?: JobClaim;
  detail?: JsonObject;
  /** The sequence number of the last sequenced event applied. */
  seq?: number;
  /** Present only where asked for: stores return jobs without it (see `JobStore.history`). */
  history?: HistoryEntry[];
}

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

/** pino log levels accepted by `PJM_LOG_LEVEL`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Log formats accepted by `PJM_LOG_FORMAT`: `auto` is `pretty` on a terminal, else `json`. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Validated configuration (`config.schema.json`), keyed by environment variable name so that the
 * schema, docker-compose and the docs use one vocabulary. Defaults are applied; `PJM_HTTP_PORT`
 * already reflects `API_PORT` when only the alias was set, and `PJM_URL` that port when unset.
 */
export interface Config {
  PJM_AMQP_URL?: string;
  PJM_MONGO_URL?: string;
  PJM_MONGO_DB: string;
  PJM_DATA_DIR: string;
  PJM_SECRET?: string;
  PJM_HTTP_PORT: number;
  PJM_HTTP_HOST: string;
  PJM_LOG_LEVEL: LogLevel;
  PJM_LOG_FORMAT: LogFormat;
  PJM_MAX_PAYLOAD_BYTES: number;
  PJM_MAX_DEPTH: number;
  PJM_MAX_KEYS: number;
  PJM_TOKEN_TTL_SECONDS: number;
  PJM_TOKEN_GRACE_SECONDS: number;
  PJM_AMQP_REQUIRE_TOKEN: boolean;
  PJM_AMQP_PREFIX: string;
  PJM_PREFETCH: number;
  PJM_DEFER_DELAYS_MS: string;
  PJM_METRICS_PORT?: number;
  PJM_DEBUG: boolean;
  PJM_API_TOKENS?: string;
  PJM_REQUIRE_SENDER_AUTH: boolean;
  PJM_PUBLIC_URL?: string;
  PJM_WAIT_TIMEOUT_MS: number;
  PJM_CALLBACK_RATE: number;
  PJM_CALLBACK_BURST: number;
  PJM_URL: string;
  PJM_NONCE?: string;
  API_PORT?: number;
  API_BASEPATH: string;
  API_DOMAIN?: string;
  API_PROTOCOL?: 'http' | 'https';
}
