/**
 * The job as the domain knows it: its states and events, its document and history entries.
 * The JSON Schemas in `schemas/` are the source of truth for their shape;
 * `test/unit/schemas/schema-files.test.ts` keeps these unions equal to the schema enums and to `fsm/`.
 * (schemas/ and client/ use these types and must not load fsm/, so the unions are spelled out here.)
 */
import type { JobNoteName, SentNoteName } from './job-notes.js';

export type { JobNoteName, SentNoteName };

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

/** One applied event, or a note, in a job's history (`history-entry.schema.json`). */
export interface HistoryEntry {
  /** The event id. */
  id: string;
  /** A lifecycle event, or a note that left the state as it was (`model/job-notes.ts`). */
  name: JobEventName | JobNoteName;
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
  /** The phase this event set (a status vocabulary's label); absent when it left the phase as it was. */
  phase?: string;
}

/**
 * The job's lease (docs/heartbeats.md): every applied event renews it to now + the timeout;
 * beats after the first one only renew it and count.
 */
export interface JobHeartbeat {
  /** The job's own timeout in seconds, set at create; absent: the pipeline's registry `heartbeat.timeout`. */
  timeout?: number;
  /** When the lease ends (ISO-8601 UTC); absent while no timeout applies. */
  until?: string;
  /** Heartbeats received. */
  count?: number;
  /** When the last heartbeat arrived. */
  last?: string;
}

/** A job whose lease expired with no sign of life: since when, and the expired lease's end. */
export interface JobStale {
  since: string;
  until: string;
}

/** Who holds a job and until when (`job.schema.json#/properties/claim`). */
export interface JobClaim {
  by: string;
  until: string;
}

/** Where a job's launch stands: claimed by a dispatcher, started, or refused by the launcher. */
export type LaunchState = 'intent' | 'launched' | 'failed';

/** The launchers a pipeline may name (`launcher.type` in the registry). */
export type LauncherType = 'local' | 'slurm';

/**
 * What a dispatcher recorded about starting the job (`job.schema.json#/properties/launch`,
 * docs/dispatcher.md). Written only through `JobStore.markLaunch`, never by an event.
 */
export interface LaunchRecord {
  state: LaunchState;
  /** The dispatcher that wrote it. */
  by: string;
  /** When it was written (ISO-8601 UTC). */
  at: string;
  launcher: LauncherType;
  /** The job's attempt this record launches (`JobDocument.attempts`); absent = 1. */
  attempt?: number;
  /** The process id (local) or the Slurm job id, once launched. */
  ref?: string;
  /** Why the launch failed, or what the reconciliation found. */
  message?: string;
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
  /**
   * The credential that created the job (`admin`, `nonce:<id>`,
   * `loopback`, `jwt:<subject>`, `amqp:<user>`, `bus`); absent on older jobs.
   */
  creator?: string;
  site?: string;
  /** The site's queue the job waits in for a claim: `primary` (the default for a job with a site) or `replica`. */
  queue?: string;
  archivePath?: string;
  /** Who holds the job (a claim note set it) and until when; absent when nobody does. */
  claim?: JobClaim;
  detail?: JsonObject;
  /** The external system's word for where the job is (Agave QUEUED, HR-S&I processing), set by status vocabularies. */
  phase?: string;
  /** The sequence number of the last sequenced event applied. */
  seq?: number;
  /** The job's current try: 1 + the retries its pipeline's retry policy made (docs/retries.md); absent = 1. */
  attempts?: number;
  /** When the retry policy found its budget spent (the `retries_exhausted` note); cleared by a `reset`. */
  retriesExhausted?: string;
  /** Present once a dispatcher has claimed the job for its launcher. */
  launch?: LaunchRecord;
  /** The lease and heartbeat count; absent while neither a timeout nor a heartbeat applies. */
  heartbeat?: JobHeartbeat;
  /** Present while the job is flagged stale (its lease expired); the next event clears it. */
  stale?: JobStale;
  /** Present only where asked for: stores return jobs without it (see `JobStore.history`). */
  history?: HistoryEntry[];
}
