import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import { defaultArchivePath } from '../../model/archive-path.js';
import { createEventId, jobUuid } from '../../model/job-identity.js';
import { nonceCovers } from '../../model/nonce-value.js';
import type { JobDocument } from '../../model/job.js';
import { jobCallbacks } from '../../protocol/callback-urls.js';
import type { CreateAnswer } from '../../protocol/http-answers.js';
import { parseCreateRequest, schemaDocuments, type CreateEventMessage } from '../../schemas/index.js';
import { credentialOf, type Sender } from '../auth/sender-auth.js';
import type { BridgeContext } from './bridge-context.js';
import { NONCE_PARAM, WAIT_PARAM, rawBody, wantsWait } from './request-parts.js';

function baseUrl(context: BridgeContext, request: FastifyRequest): string {
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
 * `POST /jobs`: creates a job through the manager like any other event, and answers its uuid, its
 * token, the archive path and ready-made callback URLs.
 *
 * The token of a job goes to the credential that created it and to admins: a job that already
 * exists is answered at once (200, no event published) to them, and `409 job_exists` without a
 * token to anyone else. A new job's token is bound to the caller's credential and answered as soon
 * as the create is on the bus (202), or after the manager's verdict with `?wait=1` (201 created,
 * 200 when another create of the same credential came first); should another credential's create
 * win the race, the caller's token is refused at its first event and its next create says why.
 */
export function registerCreateRoute(app: FastifyInstance, context: BridgeContext): void {
  app.post<{ Querystring: { wait?: string; 'x-nonce'?: string } }>(
    '/jobs',
    {
      schema: {
        summary: 'Create a job',
        description:
          'Body: `{pipeline, data?, owner?, site?, archivePath?, detail?}`. The same pipeline and data ' +
          'name the same job, so a repeated create is harmless; it answers the token only to the ' +
          'credential that created the job and to admins (others: 409 job_exists). Open to loopback ' +
          'callers when no credentials are required; otherwise needs a bearer token or a nonce of scope ' +
          'create. A nonce of scope all is embedded in the callback URLs.',
        body: schemaDocuments.createRequest,
        querystring: { type: 'object', properties: { wait: WAIT_PARAM, 'x-nonce': NONCE_PARAM } },
      },
    },
    async (request, reply) => {
      const sender = context.auth.identify(request);
      const body = rawBody(request.body);
      if (body === undefined)
        throw new PipelineJobsError('schema_violation', 'send a JSON body {pipeline, data?}', { field: 'body' });
      const create = parseCreateRequest(body, context.limits);
      const refused = context.pipelines.checkCreate(create.pipeline, create.data, 'request');
      if (refused !== undefined) throw refused;
      const now = context.clock();
      const uuid = jobUuid(create.pipeline, create.data);
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
        return reply.code(200).send({
          ...answer(token, archivePath),
          status: 'duplicate',
          state: existing.state,
          version: existing.version,
        } satisfies CreateAnswer);
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
      const verdict = await context.publisher.send(message, wantsWait(request.query.wait));
      if (verdict.status !== 'decided')
        return reply.code(202).send({ ...answer(token, archivePath), status: verdict.status } satisfies CreateAnswer);
      const decided = verdict.reply;
      if (decided.outcome === 'rejected')
        throw new PipelineJobsError(decided.error.code, decided.error.message, { eventId, uuid });
      return reply.code(decided.outcome === 'applied' ? 201 : 200).send({
        ...answer(decided.token ?? token, archivePath),
        status: decided.outcome,
        state: decided.state,
        version: decided.version,
      } satisfies CreateAnswer);
    },
  );
}
