import type { ClaimJobsMessage } from '../schemas/types.js';
import type { ClaimJobsRequest } from './transport.js';

/** A claim's queue and lease when the caller names none: the primary queue, five minutes. */
export const CLAIM_DEFAULTS = { queue: 'primary', max: 1, leaseMs: 300_000 } as const;

/** The claimer an AMQP client is recorded as when it names none: its broker user. */
export function userClaimer(user: string | undefined): string {
  return `amqp:${user ?? 'anonymous'}`;
}

/** The claim request message of `request`, with the defaults filled in. */
export function claimMessage(id: string, request: ClaimJobsRequest, defaultBy: string): ClaimJobsMessage {
  return {
    op: 'claim',
    id,
    site: request.site,
    queue: request.queue ?? CLAIM_DEFAULTS.queue,
    max: request.max ?? CLAIM_DEFAULTS.max,
    leaseMs: request.leaseMs ?? CLAIM_DEFAULTS.leaseMs,
    by: request.by ?? defaultBy,
  };
}
