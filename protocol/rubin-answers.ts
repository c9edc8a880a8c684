import type { HistoryEntry, JobDocument, JobState } from '../model/job.js';
import { FINAL_PHASES, phaseSince, uwsPhaseOf, type UwsPhase } from '../model/uws-phase.js';
import { uuidHex } from '../schemas/uuid-format.js';

/**
 * The answers of the Rubin OCPS routes (`docs/rubin.md`), in the shapes Rubin's prototype server
 * answers: a `status` of `ok` or `error` and a `msg` in every body.
 */

/** A job as the Rubin routes show it. */
export interface RubinJob {
  /** The job's uuid as 32 hex digits (Rubin's `job_id`); the dashed form is `uuid`. */
  readonly jobId: string;
  readonly uuid: string;
  /** The job type (the pipeline). */
  readonly type: string;
  /** The UWS phase, from the canonical state (`model/uws-phase.ts`). */
  readonly state: UwsPhase;
  /** The tracker's canonical state. */
  readonly trackerState: JobState;
  /** The launcher's handle (process id, Slurm job id); null until the job is launched. */
  readonly clusterId: string | null;
  readonly timeSubmit: string;
  /** When the job reached its final phase; only once it is completed, in error or aborted. */
  readonly timeCompleted?: string;
  readonly env?: unknown;
  readonly log_dir?: unknown;
  /** The launcher's message, e.g. why a launch failed. */
  readonly launchMessage?: string;
}

/** A job in the Rubin shape; `history` gives `timeCompleted`. */
export function rubinJobOf(job: JobDocument, history: readonly HistoryEntry[]): RubinJob {
  const phase = uwsPhaseOf(job.state);
  const launch = job.launch;
  const completed = FINAL_PHASES.includes(phase) ? phaseSince(history) : undefined;
  return {
    jobId: uuidHex(job.uuid),
    uuid: job.uuid,
    type: job.pipeline,
    state: phase,
    trackerState: job.state,
    clusterId: launch?.ref ?? null,
    timeSubmit: job.created,
    ...(completed !== undefined && { timeCompleted: completed }),
    ...(job.data['env'] !== undefined && { env: job.data['env'] }),
    ...(job.data['log_dir'] !== undefined && { log_dir: job.data['log_dir'] }),
    ...(launch?.message !== undefined && { launchMessage: launch.message }),
  };
}

/** The answer of `POST {API_BASEPATH}/job`. */
export interface RubinCreateAnswer {
  readonly status: 'ok' | 'error';
  readonly msg: string;
  /** The tracked job's uuid as 32 hex digits. */
  readonly job_id: string;
  /** The launcher's handle when the launch was recorded in time, else null (read it later on the job). */
  readonly cluster_id: string | null;
  readonly uuid: string;
  /** The job's token (to its creator and admins): `DELETE` and the job's own reports need it. */
  readonly token: string;
  /** Where the job is read: `{API_PROTOCOL}://{API_DOMAIN}[:{API_PORT}]{API_BASEPATH}/job/{job_id}`. */
  readonly url: string;
}

/** The answer of `GET {API_BASEPATH}/job?id=` and `GET|DELETE {API_BASEPATH}/job/{job_id}`. */
export interface RubinJobAnswer {
  readonly status: 'ok';
  readonly msg: string;
  readonly job: RubinJob;
}

/** The answer of `GET {API_BASEPATH}/job/list/{category}`. */
export interface RubinListAnswer {
  readonly status: 'ok';
  readonly msg: string;
  readonly jobs: readonly RubinJob[];
  /** Present when more jobs match: pass it back as `?cursor=`. */
  readonly nextCursor?: string;
}

/** Every refusal of the Rubin routes: `message` as Rubin's argument errors, `msg` as its others. */
export interface RubinErrorAnswer {
  readonly status: 'error';
  readonly message: string;
  readonly msg: string;
  /** The stable error code (docs/errors.md). */
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;
}
