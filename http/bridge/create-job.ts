import type { FastifyRequest } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import { defaultArchivePath } from '../../model/archive-path.js';
import { createEventId, jobUuid } from '../../model/job-identity.js';
import { nonceCovers } from '../../model/nonce-value.js';
import type { JobDocument } from '../../model/job.js';
import { jobCallbacks } from '../../protocol/callback-urls.js';
import type { CreateAnswer } from '../../protocol/http-answers.js';
import type { CreateEventMessage, NamedCreateRequest } from '../../schemas/index.js';
import { credentialOf, type Sender } from '../auth/sender-auth.js';
import type { BridgeContext } from './bridge-context.js';

/** A create's answer and the HTTP status it goes with: 201 made, 200 existing or duplicate, 202 no verdict yet. */
export interface CreateResult {
  readonly code: 200 | 201 | 202;
  readonly answer: CreateAnswer;
}

/** Where the answers' URLs start: the configured public URL, else the request's own origin. */
export function baseUrl(context: BridgeContext, request: FastifyRequest): string {
  return context.publicUrl ?? `${request.protocol}://${request.host}`;
}

function jobExists(uuid: string): PipelineJobsError {
  return new PipelineJobsError(
    'job_exists',
    `job ${uuid} already exists, created by another credential; its token goes only to its creator and to admins`,
    { uuid },
  );
}

/** The token of an existing job, for its creator's credential and for admins only. */
function tokenFor(context: BridgeContext, sender: Sender, job: JobDocument): string {
  if (sender.kind !== 'admin' && credentialOf(sender) !== job.creator) throw jobExists(job.uuid);
  return context.tokens.forJob(job.uuid, job.creator ?? '');
}

/**
 * The one path of a create into the bridge, whatever the route it came by (`POST /jobs`, Rubin's
 * `POST {API_BASEPATH}/job`): the registry's check (the manager checks the same), the existing
 * job's token to its creator and admins only, the nonce use, then the create event on the bus and,
 * with `wait`, the manager's verdict. Refusals are thrown as `PipelineJobsError`.
 */
export async function createJob(
  context: BridgeContext,
  request: FastifyRequest,
  sender: Sender,
  create: NamedCreateRequest,
  wait: boolean,
): Promise<CreateResult> {
  const refused = context.pipelines.checkCreate(create.pipeline, create.data, 'request');
  if (refused !== undefined) throw refused;
  const now = context.clock();
  const uuid = jobUuid(create.pipeline, create.data, create.ulid);
  const existing = await context.jobs.get(uuid);
  const nonce = await context.auth.spend(sender, 'create', now);
  const embedNonce =
    sender.kind === 'nonce' && nonce !== undefined && nonceCovers(nonce.scope, 'events') ? sender.value : undefined;
  const eventId = createEventId(uuid);
  const answer = (token: string, archivePath: string): Omit<CreateAnswer, 'status'> => ({
    uuid,
    token,
    pipeline: create.pipeline,
    archivePath,
    eventId,
    callbacks: jobCallbacks({
      base: baseUrl(context, request),
      uuid,
      token,
      ...(embedNonce !== undefined && { nonce: embedNonce }),
    }),
  });
  if (existing !== undefined) {
    const token = tokenFor(context, sender, existing);
    const archivePath = existing.archivePath ?? defaultArchivePath(existing.pipeline, uuid);
    return {
      code: 200,
      answer: {
        ...answer(token, archivePath),
        status: 'duplicate',
        state: existing.state,
        version: existing.version,
      } satisfies CreateAnswer,
    };
  }
  const creator = credentialOf(sender);
  const token = context.tokens.forJob(uuid, creator);
  const archivePath = create.archivePath ?? defaultArchivePath(create.pipeline, uuid);
  // The token proves the creator to the manager; an admin's operator token proves more.
  const proof = sender.kind === 'admin' ? context.tokens.issue(uuid, now) : token;
  const message: CreateEventMessage & { id: string } = {
    ...create,
    name: 'create',
    id: eventId,
    archivePath,
    source: 'http',
    creator,
    token: proof,
  };
  const verdict = await context.publisher.send(message, wait);
  if (verdict.status !== 'decided')
    return { code: 202, answer: { ...answer(token, archivePath), status: verdict.status } satisfies CreateAnswer };
  const decided = verdict.reply;
  if (decided.outcome === 'rejected')
    throw new PipelineJobsError(decided.error.code, decided.error.message, { eventId, uuid });
  return {
    code: decided.outcome === 'applied' ? 201 : 200,
    answer: {
      ...answer(decided.token ?? token, archivePath),
      status: decided.outcome,
      state: decided.state,
      version: decided.version,
    } satisfies CreateAnswer,
  };
}
