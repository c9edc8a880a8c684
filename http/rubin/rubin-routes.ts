import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import type { JobDocument } from '../../model/job.js';
import { statesOfPhases, type UwsPhase } from '../../model/uws-phase.js';
import type { JobStore } from '../../ports/job-store.js';
import {
  rubinJobOf,
  type RubinCreateAnswer,
  type RubinErrorAnswer,
  type RubinJobAnswer,
  type RubinListAnswer,
} from '../../protocol/rubin-answers.js';
import { parseJobUuid, uuidHex } from '../../schemas/uuid-format.js';
import type { BridgeContext } from '../bridge/bridge-context.js';
import { baseUrl, createJob } from '../bridge/create-job.js';
import { NONCE_PARAM, TOKEN_PARAM, callbackEventId, tokenField } from '../bridge/request-parts.js';
import { submitEvent } from '../bridge/submit-event.js';
import { refusalStatus } from '../error-handler.js';
import { settledLaunch } from './launch-wait.js';
import { rubinArguments } from './rubin-arguments.js';
import { jobTypeSpec, jobTypeSpecs } from './rubin-schemas.js';

/** What the Rubin OCPS routes need besides the bridge's context. */
export interface RubinOptions {
  /** `API_BASEPATH`: the routes' prefix (default `/api/v1`); `/` serves them at the root. */
  readonly basePath?: string;
  /** Longest wait after a create for the dispatcher's launch record (`cluster_id`); default 3 s. */
  readonly launchWaitMs?: number;
}

/** `job/list/{category}` → the UWS phases it lists. */
const CATEGORIES: Readonly<Record<string, readonly UwsPhase[] | undefined>> = {
  all: undefined,
  pending: ['pending', 'queued'],
  running: ['executing'],
  completed: ['completed'],
};

const JOB_ID_PARAMS = {
  type: 'object',
  required: ['job_id'],
  properties: { job_id: { type: 'string', maxLength: 64, description: 'The job id, with or without dashes.' } },
} as const;

function notFound(id: string): PipelineJobsError {
  return new PipelineJobsError('unknown_job', 'Job not found', { id: id.slice(0, 64) });
}

/** Prefix form of `API_BASEPATH`: no trailing slash, and `/` is the root. */
export function rubinPrefix(basePath: string | undefined): string {
  return (basePath ?? '/api/v1').replace(/\/+$/, '');
}

/**
 * Rubin OCPS's job API (lsst-dm/ocps-prototype and its draft OpenAPI) on the tracker, under
 * `API_BASEPATH` ([docs/rubin.md](../../docs/rubin.md)): a create goes the one create path of the
 * bridge (`createJob`), `DELETE` is a `cancel` event through `submitEvent`, reads go to the store.
 * Refusals answer `{status: "error", message, msg, code, details}` with the code's HTTP status.
 */
export function registerRubinRoutes(
  app: FastifyInstance,
  context: BridgeContext,
  store: JobStore,
  options: RubinOptions = {},
): void {
  const launchWaitMs = options.launchWaitMs ?? 3000;
  const prefix = rubinPrefix(options.basePath);

  async function rubinJob(id: string): Promise<JobDocument> {
    const uuid = parseJobUuid(id);
    const job = uuid === undefined ? undefined : await store.get(uuid);
    if (job === undefined) throw notFound(id);
    return job;
  }

  async function jobAnswer(id: string, msg = ''): Promise<RubinJobAnswer> {
    const job = await rubinJob(id);
    return { status: 'ok', msg, job: rubinJobOf(job, await store.history(job.uuid)) };
  }

  function jobUrl(request: FastifyRequest, uuid: string): string {
    return `${baseUrl(context, request)}${prefix}/job/${uuidHex(uuid)}`;
  }

  void app.register(
    async (rubin) => {
      rubin.removeAllContentTypeParsers();
      rubin.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      rubin.setErrorHandler((err, request, reply) => {
        if (!(err instanceof PipelineJobsError)) throw err;
        return reply.code(refusalStatus(err, request, reply)).send({
          status: 'error',
          message: err.message,
          msg: err.message,
          code: err.code,
          details: err.details,
        } satisfies RubinErrorAnswer);
      });
      rubin.addHook('onRequest', async (request) => {
        if (request.method === 'GET') context.auth.requireReader(request);
      });

      rubin.post(
        '/job',
        {
          schema: {
            summary: 'Rubin OCPS: create and launch a typed job',
            description:
              'Arguments `type`, `env` (object NAME→value; JSON text in a form or query) and `log_dir`, from ' +
              'a JSON body, a form or the query string. Same credentials as POST /jobs. docs/rubin.md.',
            querystring: { type: 'object', properties: { 'x-nonce': NONCE_PARAM } },
          },
        },
        async (request, reply) => {
          const sender = context.auth.identify(request);
          const args = rubinArguments(request, context.limits);
          const definition = context.pipelines.registry?.get(args.type);
          if (definition === undefined) {
            const known = context.pipelines.registry?.names() ?? [];
            throw new PipelineJobsError(
              'invalid_job_type',
              `Invalid job type "${args.type}"; known: ${known.join(', ') || '(none: no job specs loaded)'}`,
              { type: args.type, known },
            );
          }
          const create = { pipeline: args.type, data: { env: args.env, log_dir: args.log_dir } };
          const result = await createJob(context, request, sender, create, true);
          const { uuid, token } = result.answer;
          const runs = definition.script !== undefined || definition.launcher !== undefined;
          const job = runs ? await settledLaunch(store, uuid, launchWaitMs) : await store.get(uuid);
          const launch = job?.launch;
          const failed = launch?.state === 'failed';
          const msg = failed
            ? `launch failed: ${launch.message ?? 'no message'}`
            : result.answer.status === 'duplicate'
              ? 'job exists: the same type, env and log_dir name the same job'
              : result.answer.status === 'applied'
                ? 'job created'
                : 'job accepted; not created yet';
          return reply.code(failed ? 200 : result.code).send({
            status: failed ? 'error' : 'ok',
            msg,
            job_id: uuidHex(uuid),
            cluster_id: launch?.ref ?? null,
            uuid,
            token,
            url: jobUrl(request, uuid),
          } satisfies RubinCreateAnswer);
        },
      );

      rubin.get<{ Querystring: { id?: string } }>(
        '/job',
        {
          schema: {
            summary: 'Rubin OCPS: a job by id',
            querystring: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
          },
        },
        async (request) => {
          const id = request.query.id;
          if (id === undefined || id === '')
            throw new PipelineJobsError('missing_argument', 'Missing argument id', { missing: ['id'] });
          return jobAnswer(id);
        },
      );

      rubin.get<{ Params: { job_id: string } }>(
        '/job/:job_id',
        { schema: { summary: 'Rubin OCPS: a job by id', params: JOB_ID_PARAMS } },
        async (request) => jobAnswer(request.params.job_id),
      );

      rubin.delete<{ Params: { job_id: string }; Querystring: { token?: string; 'x-nonce'?: string } }>(
        '/job/:job_id',
        {
          schema: {
            summary: "Rubin OCPS: cancel a job (a cancel event; needs the job's token, or an admin bearer token)",
            params: JOB_ID_PARAMS,
            querystring: { type: 'object', properties: { token: TOKEN_PARAM, 'x-nonce': NONCE_PARAM } },
          },
        },
        async (request, reply) => {
          const sender = context.auth.identify(request);
          const job = await rubinJob(request.params.job_id);
          const message = {
            uuid: job.uuid,
            name: 'cancel' as const,
            source: 'rubin',
            ...tokenField(request.query.token),
            id: callbackEventId('rubin-delete', job.uuid),
          };
          const verdict = await submitEvent(context, reply, sender, message, true);
          reply.code(200);
          const msg = verdict.status === 'duplicate' ? 'job was already cancelled' : 'job cancelled';
          return jobAnswer(job.uuid, verdict.state === undefined ? 'cancel accepted; not applied yet' : msg);
        },
      );

      rubin.get<{ Params: { category: string }; Querystring: { limit?: number; cursor?: string } }>(
        '/job/list/:category',
        {
          schema: {
            summary: 'Rubin OCPS: jobs by category (all, completed, pending, running)',
            params: {
              type: 'object',
              required: ['category'],
              properties: { category: { type: 'string', enum: Object.keys(CATEGORIES) } },
            },
            querystring: {
              type: 'object',
              properties: {
                limit: { type: 'integer', minimum: 1, maximum: 1000 },
                cursor: { type: 'string', maxLength: 200 },
              },
            },
          },
        },
        async (request) => {
          const phases = CATEGORIES[request.params.category];
          const page = await store.list({
            ...(phases !== undefined && { state: statesOfPhases(phases) }),
            ...(request.query.limit !== undefined && { limit: request.query.limit }),
            ...(request.query.cursor !== undefined && { cursor: request.query.cursor }),
          });
          const jobs = await Promise.all(page.jobs.map(async (job) => rubinJobOf(job, await store.history(job.uuid))));
          return {
            status: 'ok',
            msg: '',
            jobs,
            ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
          } satisfies RubinListAnswer;
        },
      );

      rubin.get('/schema/all', { schema: { summary: 'Rubin OCPS: every job type and its arguments' } }, async () => ({
        status: 'ok',
        msg: '',
        schemas: jobTypeSpecs(context.pipelines.registry),
      }));

      rubin.get<{ Params: { job_type: string } }>(
        '/schema/:job_type',
        {
          schema: {
            summary: 'Rubin OCPS: one job type and its arguments',
            params: { type: 'object', properties: { job_type: { type: 'string', maxLength: 128 } } },
          },
        },
        async (request) => {
          const spec = jobTypeSpec(context.pipelines.registry, request.params.job_type);
          if (spec === undefined)
            throw new PipelineJobsError('invalid_job_type', `Invalid job type "${request.params.job_type}"`, {
              type: request.params.job_type,
            });
          return { status: 'ok', msg: '', schema: spec };
        },
      );
    },
    { prefix },
  );
}
