import type { FastifyInstance } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import { DEFAULT_QUEUE, REPLICA_QUEUE } from '../../model/site-queue.js';
import type { ClaimedJob } from '../../protocol/claim-message.js';
import type { BridgeContext } from '../bridge/bridge-context.js';
import { claimThroughManager } from '../bridge/claim-jobs.js';

/** The phase a Photon Ranch job takes when a site receives it (the seed's `RECEIVED#<ulid>`). */
export const RECEIVED = 'RECEIVED';

/** Most jobs one `/getnewjobs` hands out (the seed returned every unread job; a site polls again for more). */
export const GET_NEW_JOBS_MAX = 100;

/** How long a received job stays the poller's before it is handed out again, unless it starts (`STARTED`). */
export const GET_NEW_JOBS_LEASE_MS = 300_000;

interface GetNewJobsBody {
  site: string;
  alternateQueue?: boolean;
}

const body = {
  type: 'object',
  required: ['site'],
  properties: {
    site: { type: 'string', minLength: 1, maxLength: 128 },
    alternateQueue: { type: 'boolean', description: 'Read the replica queue instead of the primary one.' },
  },
} as const;

/**
 * A claimed job as the seed's `getnewjobs` item (a DynamoDB item of `photonranch-jobs`): the newjob
 * keys from the job's data, the ulid, and the status key now `RECEIVED#<ulid>` (the seed answered the
 * item as it was read, still UNREAD). `uuid` and `token` are added for pjm's own event routes.
 */
export function photonRanchItem(job: ClaimedJob): Record<string, unknown> {
  const statusId = `${job.phase ?? RECEIVED}#${job.ulid}`;
  return {
    site: job.site,
    ulid: job.ulid,
    ...(job.queue === REPLICA_QUEUE ? { replicaStatusId: statusId } : { statusId }),
    user_name: job.data['user_name'],
    user_id: job.data['user_id'],
    user_roles: job.data['user_roles'],
    timestamp_ms: Date.parse(job.created),
    deviceType: job.data['device'],
    deviceInstance: job.data['instance'],
    action: job.data['action'],
    optional_params: job.data['optional_params'],
    required_params: job.data['required_params'],
    uuid: job.uuid,
    token: job.token,
  };
}

/**
 * Photon Ranch's `POST <prefix>/getnewjobs {site, alternateQueue}`, fixed: the claim is atomic
 * (through the manager, so no job goes to two pollers while its lease runs), each job received
 * records the phase RECEIVED in the claim's own write, and the call needs the site's key (a
 * nonce of scope `claim` for that site) or a bearer token. Answers the seed's list of items.
 */
export function registerGetNewJobs(app: FastifyInstance, context: BridgeContext, prefix: string): void {
  app.post<{ Body: GetNewJobsBody }>(
    `${prefix}/getnewjobs`,
    {
      schema: {
        summary: 'Photon Ranch: receive the unread jobs of a site (an atomic claim)',
        description:
          'Claims the oldest unread jobs of `site` (the replica queue with `alternateQueue: true`), ' +
          "marks them RECEIVED and answers them in the seed's item shape. Needs the site key (x-nonce).",
        body,
      },
    },
    async (request) => {
      const sender = context.auth.identify(request);
      if (sender.kind === 'open')
        throw new PipelineJobsError(
          'credentials_missing',
          'getnewjobs needs the site key (x-nonce) or a bearer token',
          {
            accepted: ['x-nonce', 'Authorization: Bearer'],
          },
        );
      const jobs = await claimThroughManager(context, sender, {
        site: request.body.site,
        queue: request.body.alternateQueue === true ? REPLICA_QUEUE : DEFAULT_QUEUE,
        max: GET_NEW_JOBS_MAX,
        leaseMs: GET_NEW_JOBS_LEASE_MS,
        phase: RECEIVED,
      });
      return jobs.map(photonRanchItem);
    },
  );
}
