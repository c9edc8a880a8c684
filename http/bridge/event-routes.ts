import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import type { JsonObject } from '../../model/job.js';
import { EVENT_ANSWER_SCHEMA } from '../../protocol/http-answers.js';
import {
  guardPayload,
  parseAgaveJob,
  parseEventMessage,
  parseSlurmNotification,
  resolveLimits,
  type JobEventMessage,
} from '../../schemas/index.js';
import { translateStatus } from '../../registry/vocabulary.js';
import { agaveEvent } from './agave-event.js';
import { resolveJobUuid } from '../job-uuid-hook.js';
import type { BridgeContext } from './bridge-context.js';
import {
  NONCE_PARAM,
  TOKEN_PARAM,
  UUID_PARAM,
  WAIT_PARAM,
  callbackEventId,
  rawBody,
  tokenField,
  wantsWait,
} from './request-parts.js';
import { slurmCallbackEvents } from './slurm-callback.js';
import { submitEvent } from './submit-event.js';

interface EventsQuery {
  uuid?: string;
  event?: string;
  name?: string;
  status?: string;
  token?: string;
  note?: string;
  wait?: string;
  'x-nonce'?: string;
}

interface AgaveQuery {
  uuid: string;
  token?: string;
  status?: string;
  state?: string;
  event?: string;
  note?: string;
  wait?: string;
  'x-nonce'?: string;
}

interface SlurmQuery {
  uuid: string;
  token?: string;
  wait?: string;
  'x-nonce'?: string;
}

const answers = { 200: EVENT_ANSWER_SCHEMA, 202: EVENT_ANSWER_SCHEMA } as const;

/**
 * Refuses at once a status word the job's vocabulary does not know, with the manager's own
 * translation (the manager translates the word again when it applies the event, with the
 * registry in use then). A job not stored yet is left to the manager.
 */
async function checkStatus(context: BridgeContext, uuid: string, status: string): Promise<void> {
  const job = await context.jobs.get(uuid.toLowerCase());
  if (job === undefined) return;
  const translated = translateStatus(status, context.pipelines.vocabularyOf(job.pipeline), job.pipeline);
  if (translated instanceof PipelineJobsError) throw translated;
}

/**
 * The bridge's event routes: `POST /events` (a canonical JSON event, or the URL-parameter form
 * `?uuid=&event=&token=&note=` with the body attached as `data`), `POST /callbacks/agave` and
 * `POST /callbacks/slurm`. Each translates the call into one canonical event and hands it to
 * {@link submitEvent}; `create` goes through `POST /jobs`.
 */
export function registerEventRoutes(app: FastifyInstance, context: BridgeContext): void {
  const limits = resolveLimits(context.limits);

  app.post<{ Querystring: EventsQuery }>(
    '/events',
    {
      schema: {
        summary: 'Send an event for a job',
        description:
          'Body: a canonical event `{uuid, name, token, data, id?}`, or `{uuid, status, token, …}` with a ' +
          "word of the job pipeline's status vocabulary instead of `name`. Or the URL form " +
          '`?uuid=&event=&token=&note=` (or `&status=` instead of `&event=`), where a JSON object body (if ' +
          'any) becomes `data` and `note` is added to it. Without `id`, the bridge assigns one. A status ' +
          "word the job's vocabulary does not know is refused 422 `unknown_status`.",
        querystring: {
          type: 'object',
          properties: {
            uuid: UUID_PARAM,
            event: { type: 'string', maxLength: 64 },
            name: { type: 'string', maxLength: 64 },
            status: { type: 'string', maxLength: 64, description: "A word of the job pipeline's status vocabulary." },
            token: TOKEN_PARAM,
            note: { type: 'string', maxLength: 4096 },
            wait: WAIT_PARAM,
            'x-nonce': NONCE_PARAM,
          },
        },
        response: answers,
      },
    },
    async (request, reply) => {
      const sender = context.auth.identify(request);
      const q = request.query;
      const body = rawBody(request.body);
      const urlName = q.event ?? q.name;
      const urlStatus = q.status?.trim();
      let candidate: JsonObject;
      if (urlName !== undefined || urlStatus !== undefined) {
        const data: JsonObject = body === undefined ? {} : { ...guardPayload(body, limits, 'body') };
        if (q.note !== undefined) data['note'] = q.note;
        candidate = {
          ...(urlName !== undefined && { name: urlName }),
          ...(urlStatus !== undefined && { status: urlStatus }),
          data,
          source: 'http',
          ...(q.uuid !== undefined && { uuid: q.uuid }),
          ...tokenField(q.token),
        };
      } else {
        if (body === undefined)
          throw new PipelineJobsError(
            'schema_violation',
            'send a JSON event body, or name the event in the URL (?uuid=&event=&token= or ?uuid=&status=&token=)',
            { field: 'body' },
          );
        // The body's fields win over the URL's, as in the SD2E manager.
        candidate = {
          source: 'http',
          ...(q.uuid !== undefined && { uuid: q.uuid }),
          ...tokenField(q.token),
          ...guardPayload(body, limits, 'event'),
        };
      }
      await resolveJobUuid(candidate, context.jobs);
      const message = parseEventMessage(candidate, limits);
      if (message.name === 'create')
        throw new PipelineJobsError('schema_violation', 'create jobs with POST /jobs', { field: 'name' });
      if (message.status !== undefined) await checkStatus(context, message.uuid, message.status);
      return submitEvent(context, reply, sender, { ...message, id: message.id ?? randomUUID() }, wantsWait(q.wait));
    },
  );

  app.post<{ Querystring: AgaveQuery }>(
    '/callbacks/agave',
    {
      schema: {
        summary: 'Agave/Tapis v2 job notification',
        description:
          "Body: the Agave job JSON, kept whole as the history entry's data. The status comes from `status` " +
          '(or `state`) in the URL, else from the body; an unexpanded macro such as `${JOB_STATUS}` falls ' +
          'back to the body. `event` in the URL overrides the status mapping.',
        querystring: {
          type: 'object',
          required: ['uuid'],
          properties: {
            uuid: UUID_PARAM,
            token: TOKEN_PARAM,
            status: { type: 'string', maxLength: 64 },
            state: { type: 'string', maxLength: 64 },
            event: { type: 'string', maxLength: 64 },
            note: { type: 'string', maxLength: 4096 },
            wait: WAIT_PARAM,
            'x-nonce': NONCE_PARAM,
          },
        },
        response: answers,
      },
    },
    async (request, reply) => {
      const sender = context.auth.identify(request);
      const q = request.query;
      const body = rawBody(request.body);
      const job = body === undefined ? undefined : parseAgaveJob(body, limits);
      const mapped = agaveEvent(q.status ?? q.state, job);
      const name = q.event ?? mapped?.name;
      if (name === undefined)
        throw new PipelineJobsError(
          'schema_violation',
          'the Agave callback names no status: neither ?status= nor a body with "status"',
          { field: 'status' },
        );
      const data: JsonObject = job !== undefined ? { ...job } : { status: mapped?.status ?? null };
      if (q.note !== undefined && job === undefined) data['note'] = q.note;
      const phase = mapped?.phase;
      const message = parseEventMessage(
        { uuid: q.uuid, name, data, source: 'agave', ...(phase !== undefined && { phase }), ...tokenField(q.token) },
        limits,
      ) as JobEventMessage;
      const id = callbackEventId('agave', q.uuid, name, mapped?.status, body);
      return submitEvent(context, reply, sender, { ...message, id }, wantsWait(q.wait));
    },
  );

  app.post<{ Querystring: SlurmQuery }>(
    '/callbacks/slurm',
    {
      schema: {
        summary: 'Slurm MailProg notification (posted by pjm slurm-mail)',
        description:
          'Body: `{subject, user?, env?, arrayEnd?}` as `pjm slurm-mail` sends it. Began → run; Ended COMPLETED → ' +
          'finish; Failed, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, CANCELLED → fail with the reason in data; ' +
          'time-limit warnings, one task of an ARRAY_TASKS array, Requeued and the rest → update; `arrayEnd` ' +
          "(with the last task of an ARRAY_TASKS array) → the array's finish or fail after the task's update.",
        querystring: {
          type: 'object',
          required: ['uuid'],
          properties: { uuid: UUID_PARAM, token: TOKEN_PARAM, wait: WAIT_PARAM, 'x-nonce': NONCE_PARAM },
        },
        response: answers,
      },
    },
    async (request, reply) => {
      const sender = context.auth.identify(request);
      const q = request.query;
      const body = rawBody(request.body);
      if (body === undefined)
        throw new PipelineJobsError('schema_violation', 'the Slurm callback needs a body {subject, user?, env?}', {
          field: 'body',
        });
      const { message, implied } = slurmCallbackEvents(
        parseSlurmNotification(body, limits),
        q.uuid,
        tokenField(q.token).token,
        limits,
      );
      return submitEvent(context, reply, sender, message, wantsWait(q.wait), implied);
    },
  );
}
