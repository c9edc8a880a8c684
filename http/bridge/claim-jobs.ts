import { randomUUID } from 'node:crypto';
import { PipelineJobsError } from '../../errors/index.js';
import {
  CLAIM_ROUTING_KEY,
  encodeClaimRequest,
  readClaimReply,
  type ClaimedJob,
} from '../../protocol/claim-message.js';
import { readManagerReply, type ManagerAcceptance } from '../../protocol/manager-reply.js';
import type { ClaimRequestMessage } from '../../schemas/index.js';
import { credentialOf, type Sender } from '../auth/sender-auth.js';
import type { BridgeContext } from './bridge-context.js';

/** What a claimer asks for. */
export interface ClaimCall {
  readonly site: string;
  readonly queue: string;
  readonly max: number;
  readonly leaseMs: number;
  /** The claimer recorded on each job; default: the caller's credential (`nonce:<id>`, `admin`, `loopback`). */
  readonly by?: string;
  /** A phase each claimed job takes with its claim (Photon Ranch's RECEIVED). */
  readonly phase?: string;
}

/**
 * The site a sender is confined to: a site key's (its use counted here, so call this after every
 * other check), none for an admin or an open server's loopback caller. A nonce of another scope
 * is refused `forbidden`.
 */
async function confinedSite(context: BridgeContext, sender: Sender): Promise<string | undefined> {
  const nonce = await context.auth.spend(sender, 'claim', context.clock());
  return nonce?.site;
}

/** Throws `site_forbidden` when a site key (its site `confined`) is used for another site. */
export function requireSiteKey(confined: string | undefined, site: string | undefined): void {
  if (confined !== undefined && confined !== site)
    throw new PipelineJobsError('site_forbidden', `this site key is for site ${confined}, not ${site ?? 'another'}`, {
      site: confined,
    });
}

/** Publishes `message` to the managers and waits for the answer; `claim_pending` when none comes in time. */
async function ask(context: BridgeContext, message: ClaimRequestMessage): Promise<unknown> {
  const answer = await context.publisher.ask(encodeClaimRequest(message), {
    routingKey: CLAIM_ROUTING_KEY,
    messageId: message.id,
  });
  if (answer.status === 'pending')
    throw new PipelineJobsError(
      'claim_pending',
      `no manager answered the ${message.op} request in time; jobs it took are freed when their lease ends`,
      { requestId: message.id },
    );
  return answer.reply;
}

/**
 * The one path of a claim into the bridge (`POST /claims`, Photon Ranch's `/getnewjobs`): the
 * site key's site, then a claim request to the managers, who take up to `max` of the oldest
 * claimable jobs of the site queue with one conditional write each and answer them with their tokens.
 */
export async function claimThroughManager(
  context: BridgeContext,
  sender: Sender,
  call: ClaimCall,
): Promise<readonly ClaimedJob[]> {
  requireSiteKey(await confinedSite(context, sender), call.site);
  const message: ClaimRequestMessage = {
    op: 'claim',
    id: randomUUID(),
    site: call.site,
    queue: call.queue,
    max: call.max,
    leaseMs: call.leaseMs,
    by: call.by ?? credentialOf(sender),
    ...(call.phase !== undefined && { phase: call.phase }),
    answerBy: new Date(context.clock().getTime() + context.publisher.waitTimeoutMs).toISOString(),
  };
  const raw = await ask(context, message);
  const reply = readClaimReply(raw);
  if (reply === undefined) throw new PipelineJobsError('internal_error', 'the manager answered the claim unreadably');
  if (reply.outcome === 'rejected')
    throw new PipelineJobsError(reply.error.code, reply.error.message, { requestId: message.id });
  return reply.jobs;
}

/**
 * Gives a claimed job back through the managers: only its holder's release applies (a site key
 * only for its own site's jobs); answers the job's state and version after the release note.
 */
export async function releaseThroughManager(
  context: BridgeContext,
  sender: Sender,
  call: { readonly uuid: string; readonly by?: string },
): Promise<ManagerAcceptance> {
  const site = await confinedSite(context, sender);
  const message: ClaimRequestMessage = {
    op: 'release',
    id: randomUUID(),
    uuid: call.uuid.toLowerCase(),
    by: call.by ?? credentialOf(sender),
    ...(site !== undefined && { site }),
  };
  const reply = readManagerReply(await ask(context, message));
  if ('problem' in reply) throw new PipelineJobsError('internal_error', `the manager answered the release unreadably`);
  if (reply.outcome === 'rejected')
    throw new PipelineJobsError(reply.error.code, reply.error.message, { uuid: message.uuid });
  return reply;
}
