import type { FastifyReply } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import { ADMIN_EVENTS } from '../../fsm/index.js';
import type { EventAnswer } from '../../protocol/http-answers.js';
import type { EventMessage, JobEventMessage, StatusEventMessage } from '../../schemas/index.js';
import type { Sender } from '../auth/sender-auth.js';
import type { BridgeContext } from './bridge-context.js';

/** Throws `site_forbidden` unless job `uuid` is of `site`: a site key sends events for its own site's jobs only. */
export async function requireSiteJob(context: BridgeContext, site: string, uuid: string): Promise<void> {
  const job = await context.jobs.get(uuid);
  if (job?.site !== site)
    throw new PipelineJobsError('site_forbidden', `job ${uuid} is not a job of site ${site}`, { site });
}

/**
 * The one path of every job-scoped event into the bridge, in the order that keeps a refused call
 * free of side effects: admin check → per-job token (always; an admin may omit it and gets an
 * operator token minted; a job token is checked against its job when the store has it) →
 * per-job rate limit → nonce use → publish with confirm → (optionally) the manager's verdict.
 * Answers 202 when accepted or still pending, 200 with the new state when applied, and the
 * rejection's own status and code when the manager refused it.
 */
export async function submitEvent(
  context: BridgeContext,
  reply: FastifyReply,
  sender: Sender,
  message: (JobEventMessage | StatusEventMessage) & { readonly id: string },
  wait: boolean,
  /** Events the message implies and that must apply first (published ahead of it in order, same checks, one call). */
  implied: ReadonlyArray<JobEventMessage & { readonly id: string }> = [],
): Promise<EventAnswer> {
  const now = context.clock();
  const uuid = message.uuid.toLowerCase();
  // A status word never stands for an admin event (the registry refuses such a vocabulary); a stale
  // mark is a reaper's, so an operator's too.
  const name = message.name;
  if (name !== undefined && (name === 'stale' || (ADMIN_EVENTS as readonly string[]).includes(name)))
    context.auth.requireAdmin(sender, `the ${name} event`);
  let event: EventMessage & { readonly id: string } = { ...message, uuid };
  if (sender.kind === 'admin' && (message.token === undefined || message.token === '')) {
    event = { ...event, token: context.tokens.issue(uuid, now) };
  } else {
    const verified = context.tokens.verify(uuid, message.token, now);
    // A job token also answers to its job (creator, life); a job not stored yet is left to the manager.
    const job = verified.kind === 'job' ? await context.jobs.get(uuid) : undefined;
    if (job !== undefined) context.tokens.admit(verified, job, now);
  }
  const retryAfterSeconds = context.limiter.take(uuid, now.getTime());
  if (retryAfterSeconds > 0) {
    throw new PipelineJobsError('rate_limited', `too many events for job ${uuid}; retry in ${retryAfterSeconds} s`, {
      uuid,
      retryAfterSeconds,
    });
  }
  const nonce = await context.auth.spend(sender, 'events', now);
  if (nonce?.site !== undefined) await requireSiteJob(context, nonce.site, uuid);
  for (const before of implied)
    await context.publisher.send({ ...before, uuid, ...(event.token !== undefined && { token: event.token }) }, false);
  const verdict = await context.publisher.send(event, wait);
  if (verdict.status !== 'decided') {
    reply.code(202);
    return { eventId: event.id, uuid, status: verdict.status };
  }
  const answer = verdict.reply;
  if (answer.outcome === 'rejected') {
    throw new PipelineJobsError(answer.error.code, answer.error.message, { eventId: event.id, uuid });
  }
  reply.code(200);
  return { eventId: event.id, uuid, status: answer.outcome, state: answer.state, version: answer.version };
}
