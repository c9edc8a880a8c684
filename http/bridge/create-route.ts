import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jobCallbacks } from '../../client/callback-urls.js';
import { PipelineJobsError } from '../../errors/index.js';
import { defaultArchivePath } from '../../model/archive-path.js';
import { createEventId, jobUuid } from '../../model/job-identity.js';
import { nonceCovers } from '../../model/nonce-value.js';
import { parseCreateRequest, schemaDocuments, type CreateEventMessage } from '../../schemas/index.js';
import type { BridgeContext } from './bridge-context.js';
import { NONCE_PARAM, WAIT_PARAM, rawBody, wantsWait } from './request-parts.js';

function baseUrl(context: BridgeContext, request: FastifyRequest): string {
  return context.publicUrl ?? `${request.protocol}://${request.host}`;
}

/**
 * `POST /jobs`: creates a job through the manager like any other event. The uuid is derived from
 * pipeline + data and the token is stateless, so both are answered at once, with the archive path
 * and ready-made callback URLs; `?wait=1` also waits for the manager (201 created, 200 existed).
 */
export function registerCreateRoute(app: FastifyInstance, context: BridgeContext): void {
  app.post<{ Querystring: { wait?: string; 'x-nonce'?: string } }>(
    '/jobs',
    {
      schema: {
        summary: 'Create a job',
        description:
          'Body: `{pipeline, data?, owner?, site?, archivePath?, detail?}`. The same pipeline and data name the same job, so a repeated create is harmless. Open to loopback callers when no credentials are required; otherwise needs a bearer token or a nonce of scope create. A nonce of scope all is embedded in the callback URLs.',
        body: schemaDocuments.createRequest,
        querystring: { type: 'object', properties: { wait: WAIT_PARAM, 'x-nonce': NONCE_PARAM } },
      },
    },
    async (request, reply) => {
      const sender = context.auth.identify(request);
      const body = rawBody(request.body);
      if (body === undefined) throw new PipelineJobsError('schema_violation', 'send a JSON body {pipeline, data?}', { field: 'body' });
      const create = parseCreateRequest(body, context.limits);
      const now = context.clock();
      const uuid = jobUuid(create.pipeline, create.data);
      const token = context.tokens.issue(uuid, now);
      const archivePath = create.archivePath ?? defaultArchivePath(create.pipeline, uuid);
      const nonce = await context.auth.spend(sender, 'create', now);
      const message: CreateEventMessage & { id: string } = { ...create, name: 'create', id: createEventId(uuid), archivePath, source: 'http' };
      const verdict = await context.publisher.send(message, wantsWait(request.query.wait));
      const embedNonce = sender.kind === 'nonce' && nonce !== undefined && nonceCovers(nonce.scope, 'events') ? sender.value : undefined;
      const answer = {
        uuid,
        token,
        pipeline: create.pipeline,
        archivePath,
        eventId: message.id,
        callbacks: jobCallbacks({ base: baseUrl(context, request), uuid, token, ...(embedNonce !== undefined && { nonce: embedNonce }) }),
      };
      if (verdict.status !== 'decided') return reply.code(202).send({ ...answer, status: verdict.status });
      const decided = verdict.reply;
      if (decided.outcome === 'rejected') throw new PipelineJobsError(decided.error.code, decided.error.message, { eventId: message.id, uuid });
      return reply.code(decided.outcome === 'applied' ? 201 : 200).send({ ...answer, status: decided.outcome, state: decided.state, version: decided.version });
    },
  );
}
