import type { FastifyRequest } from 'fastify';
import type { Sender } from '../auth/sender-auth.js';
import type { BridgeContext } from '../bridge/bridge-context.js';

/** A caller allowed to act for one site: the routes read and move only that site's jobs. */
export interface SiteCaller {
  readonly sender: Sender;
  readonly site: string;
}

/**
 * Who may poll and report for `site` (`updatejobstatus`, `startjob`, `getrecentjobs`): the one
 * place the Photon Ranch routes check a site's credential, and the site they then act for. Until
 * site keys exist it accepts what the event routes accept — an admin bearer token, an `x-nonce`
 * (counted when the call goes through), or a loopback caller while the server runs open — for
 * the site the body names. The site key (a nonce scoped to `claim` and one site) replaces the
 * body: a key for another site is refused here.
 */
export function authorizeSite(context: BridgeContext, request: FastifyRequest, site: string): SiteCaller {
  return { sender: context.auth.identify(request), site };
}
