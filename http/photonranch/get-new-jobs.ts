import type { FastifyInstance } from 'fastify';
import { photonRanchItem, queueOf } from '../../protocol/photonranch-item.js';
import type { BridgeContext } from '../bridge/bridge-context.js';
import { claimThroughManager } from '../bridge/claim-jobs.js';
import { bodyWithKeys, textKey } from './photonranch-body.js';
import { authorizeSite } from './site-auth.js';

/** The phase a Photon Ranch job takes when a site receives it (the seed's `RECEIVED#<ulid>`). */
export const RECEIVED = 'RECEIVED';

/** Most jobs one `/getnewjobs` hands out (the seed returned every unread job; a site polls again for more). */
export const GET_NEW_JOBS_MAX = 100;

/** How long a received job stays the poller's before it is handed out again, unless it starts (`STARTED`). */
export const GET_NEW_JOBS_LEASE_MS = 300_000;

/**
 * Photon Ranch's `POST <prefix>/getnewjobs {site, alternateQueue}`, fixed: the claim is atomic
 * (through the manager, so no job goes to two pollers while its lease runs), each job received
 * records the phase RECEIVED in the claim's own write, and the call needs the site's key (a
 * nonce of scope `claim` for that site) or a bearer token. Answers the seed's list of items.
 */
export function registerGetNewJobs(app: FastifyInstance, context: BridgeContext, prefix: string): void {
  app.post(
    `${prefix}/getnewjobs`,
    {
      schema: {
        summary: 'Photon Ranch: receive the unread jobs of a site (an atomic claim)',
        description:
          'Body: site, alternateQueue. Claims the oldest unread jobs of `site` (the replica queue with ' +
          "`alternateQueue: true`), marks them RECEIVED and answers them in the seed's item shape. " +
          'Needs the site key (x-nonce) or a bearer token.',
      },
    },
    async (request) => {
      const body = bodyWithKeys(request.body, ['site'], context.limits);
      const caller = authorizeSite(context, request, textKey(body, 'site'));
      const jobs = await claimThroughManager(context, caller.sender, {
        site: caller.site,
        queue: queueOf(body['alternateQueue']),
        max: GET_NEW_JOBS_MAX,
        leaseMs: GET_NEW_JOBS_LEASE_MS,
        phase: RECEIVED,
      });
      return jobs.map((job) => ({ ...photonRanchItem(job), token: job.token }));
    },
  );
}
