import type { JobClaim, JobState, JsonObject } from '../model/job.js';
import type { ClaimRequestMessage } from '../schemas/types.js';
import type { ManagerRefusal } from './manager-reply.js';

/** The routing key of claim requests on the events exchange; the manager reads them with `parseClaimRequest`. */
export const CLAIM_ROUTING_KEY = 'claim';

/** The body of a claim request on the bus: its JSON, UTF-8 (`claim-request.schema.json`). */
export function encodeClaimRequest(message: ClaimRequestMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** One job handed to a claimer: what it needs to run it, and its token for the events it sends. */
export interface ClaimedJob {
  readonly uuid: string;
  readonly ulid: string;
  readonly pipeline: string;
  readonly site: string;
  readonly queue: string;
  readonly state: JobState;
  readonly version: number;
  readonly data: JsonObject;
  readonly created: string;
  /** The claimer's lease. */
  readonly claim: JobClaim;
  /** The job's token: the holder sends `run` (and the rest) with it. */
  readonly token: string;
  readonly phase?: string;
  readonly detail?: JsonObject;
  readonly owner?: string;
}

/** The manager's answer to a claim: the jobs it gave the claimer, oldest first (none: nothing was claimable). */
export interface ClaimGrant {
  readonly outcome: 'claimed';
  readonly jobs: readonly ClaimedJob[];
}

/** What the manager answers a claim request with: the grant, or a refusal. */
export type ClaimReply = ClaimGrant | ManagerRefusal;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `body` as a {@link ClaimReply}, after checking the fields a reader relies on; undefined when it is not one. */
export function readClaimReply(body: unknown): ClaimReply | undefined {
  if (!isRecord(body)) return undefined;
  if (body['outcome'] === 'rejected') {
    const error = body['error'];
    return isRecord(error) && typeof error['code'] === 'string' ? (body as unknown as ManagerRefusal) : undefined;
  }
  if (body['outcome'] !== 'claimed' || !Array.isArray(body['jobs'])) return undefined;
  const complete = body['jobs'].every(
    (job) =>
      isRecord(job) && typeof job['uuid'] === 'string' && typeof job['token'] === 'string' && isRecord(job['claim']),
  );
  return complete ? (body as unknown as ClaimGrant) : undefined;
}
