import type { JobEventName, JobState, JsonObject } from '../model/job.js';
import type { JobCallbacks } from '../protocol/callback-urls.js';
import type { ClaimedJob } from '../protocol/claim-message.js';

export type { ClaimedJob };

/** What a {@link PipelineJobsTransport} sends to create (or find) a job. */
export interface CreateJobRequest {
  readonly pipeline: string;
  readonly data: JsonObject;
  readonly owner?: string;
  readonly site?: string;
  /** The site queue the job waits in for a claim (default `primary`). */
  readonly queue?: string;
  readonly archivePath?: string;
}

/** A job as the server answered its create. */
export interface CreatedJob {
  readonly uuid: string;
  readonly token: string;
  readonly pipeline: string;
  /** `CREATED` for a new job; an existing job's current state when it already existed. */
  readonly state: JobState;
  readonly version?: number;
  readonly archivePath?: string;
  /** True when the job already existed (the same pipeline and data name the same job). */
  readonly existed: boolean;
  /** Present when the transport knows the bridge's URL (always over HTTP). */
  readonly callbacks?: JobCallbacks;
}

/** The job-scoped events a client may send (every machine event except `create`, and `heartbeat`). */
export type ClientEventName = Exclude<JobEventName, 'create'> | 'heartbeat';

/** One job-scoped event, with the idempotency id the client chose for it. */
export interface ClientEvent {
  readonly uuid: string;
  readonly token: string;
  readonly name: ClientEventName;
  readonly data?: JsonObject;
  /** A uuid v4; a transport that retries re-sends the same id, so the manager applies it once. */
  readonly id: string;
}

/** The manager's verdict on an event that was applied (or had already been). */
export interface EventVerdict {
  /** The job's state after the event. */
  readonly state: JobState;
  readonly version?: number;
  /** True when this event id had already been applied (a retry). */
  readonly duplicate: boolean;
}

/** What a site poller asks for with `claim` (see docs/claims.md). */
export interface ClaimJobsRequest {
  readonly site: string;
  /** The site's queue (default `primary`; Photon Ranch's second one is `replica`). */
  readonly queue?: string;
  /** Most jobs to take (default 1). */
  readonly max?: number;
  /** How long each claim holds unless the job starts or is released (default 300 000 ms; HTTP rounds up to seconds). */
  readonly leaseMs?: number;
  /** The claimer recorded on each job (default: the credential: `nonce:<id>`, `admin`, `amqp:<user>` …). */
  readonly by?: string;
}

/** What a transport can tell about an existing job, for `PipelineJob.load`. */
export interface JobSnapshot {
  readonly uuid: string;
  readonly pipeline?: string;
  /** The job's create data. */
  readonly data?: JsonObject;
  /** Undefined when the transport cannot read a job (AMQP without a pipeline and data hint). */
  readonly state?: JobState;
  readonly version?: number;
  readonly archivePath?: string;
  readonly callbacks?: JobCallbacks;
}

/** What `PipelineJob.load` may pass to {@link PipelineJobsTransport.describe}. */
export interface DescribeHint {
  /** The job's pipeline and create data: over AMQP, lets the transport ask the manager (an idempotent create). */
  readonly pipeline?: string;
  readonly data?: JsonObject;
}

/**
 * How a {@link PipelineJob} reaches the tracker: {@link HttpTransport} (the bridge) or
 * {@link AmqpTransport} (the event bus). Every method either resolves with the manager's verdict
 * or rejects: with a `PipelineJobsError` carrying the server's code when the manager or the
 * bridge refused, with `bus_unavailable` when the event could not be delivered, and with a
 * {@link VerdictTimeoutError} when it was delivered but no verdict came in time.
 */
export interface PipelineJobsTransport {
  /** `http` or `amqp`. */
  readonly kind: 'http' | 'amqp';
  /** Creates the job, or finds it when it already exists. */
  create(request: CreateJobRequest): Promise<CreatedJob>;
  /** Sends one event and waits for the manager's verdict. */
  send(event: ClientEvent): Promise<EventVerdict>;
  /**
   * Takes up to `request.max` of the oldest claimable jobs of a site queue, atomically (through
   * the manager): each comes with its claim and its token. Empty when nothing is claimable.
   */
  claim(request: ClaimJobsRequest): Promise<readonly ClaimedJob[]>;
  /** Gives a claimed job back before its lease ends; only its holder (`by`, default the credential) may. */
  release(uuid: string, by?: string): Promise<EventVerdict>;
  /** Reads what is known of an existing job (see {@link JobSnapshot.state}). */
  describe(uuid: string, token: string, hint?: DescribeHint): Promise<JobSnapshot>;
  /** Closes connections; idempotent. Calls made afterwards fail. */
  close(): Promise<void>;
}
