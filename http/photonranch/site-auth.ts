import type { FastifyRequest } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import type { Sender } from '../auth/sender-auth.js';
import type { BridgeContext } from '../bridge/bridge-context.js';

/** A caller allowed to act for one site: the routes read and move only that site's jobs. */
export interface SiteCaller {
  readonly sender: Sender;
  readonly site: string;
}

/**
 * Who may poll and report for `site` (`getnewjobs`, `updatejobstatus`, `startjob`,
 * `getrecentjobs`): the one place the Photon Ranch routes check a site's credential, and the site
 * they then act for. Unlike the seed, every site route needs one — the site's key (`x-nonce`, a
 * nonce of scope `claim` for that site) or an admin bearer token — even from loopback on an open
 * server. A key's site is checked where its use is counted (`claimThroughManager`, `submitEvent`,
 * `requireSiteKey`): a key for another site is refused `site_forbidden`.
 */
export function authorizeSite(context: BridgeContext, request: FastifyRequest, site: string): SiteCaller {
  const sender = context.auth.identify(request);
  if (sender.kind !== 'admin' && sender.kind !== 'nonce')
    throw new PipelineJobsError(
      'credentials_missing',
      'the site routes need the site key (x-nonce) or a bearer token',
      {
        accepted: ['x-nonce', 'Authorization: Bearer'],
      },
    );
  return { sender, site };
}
