import type { ManagerReply } from './manager-reply.js';
import type { Applied, Duplicate, Rejected } from '../model/event-outcome.js';

/**
 * The manager's answer to the publisher of an event that was settled (an event that will be
 * retried is not answered yet). A repeated create whose token is withheld is settled as the
 * harmless duplicate it is; only its answer is a refusal.
 */
export function replyOf(outcome: Applied | Duplicate | Rejected): ManagerReply {
  if (outcome.outcome === 'rejected')
    return { outcome: 'rejected', error: { code: outcome.code, message: outcome.message } };
  const { job } = outcome;
  const withheld = outcome.outcome === 'duplicate' ? outcome.withheld : undefined;
  if (withheld !== undefined) return { outcome: 'rejected', error: { ...withheld, details: { uuid: job.uuid } } };
  return {
    outcome: outcome.outcome,
    uuid: job.uuid,
    state: job.state,
    version: job.version,
    ...(outcome.token !== undefined && {
      token: outcome.token,
      ...(job.archivePath !== undefined && { archivePath: job.archivePath }),
    }),
  };
}
