import type { FastifyInstance } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import { parseCreateRequest, schemaDocuments } from '../../schemas/index.js';
import type { BridgeContext } from './bridge-context.js';
import { createJob } from './create-job.js';
import { NONCE_PARAM, WAIT_PARAM, rawBody, wantsWait } from './request-parts.js';

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
      const result = await createJob(context, request, sender, create, wantsWait(request.query.wait));
      return reply.code(result.code).send(result.answer);
    },
  );
}
