import type { FastifyInstance } from 'fastify';
import type { DeadLetters, ReplayOutcome } from '../../actors/dead-letters.js';
import { PipelineJobsError } from '../../errors/index.js';
import type { DeadLetterRecord } from '../../ports/dead-letter-store.js';
import type { SenderAuth } from '../auth/sender-auth.js';

const DATE = { type: 'string', format: 'date-time' } as const;
const CODE = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' } as const;
const ID = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z-]+$' } as const;

const idParams = { type: 'object', required: ['id'], properties: { id: ID } } as const;
const countsQuery = { type: 'object', additionalProperties: false, properties: { code: CODE, since: DATE } } as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    code: CODE,
    since: DATE,
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
    cursor: ID,
    replayed: { type: 'boolean', description: 'Include the letters replayed already.' },
  },
} as const;
const forceQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { force: { type: 'boolean', description: 'Replay a letter whose token was not verified.' } },
} as const;
const replayCodeQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['code'],
  properties: { code: CODE, force: forceQuery.properties.force },
} as const;
const purgeQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['before'],
  properties: { code: CODE, before: DATE },
} as const;

/** Dates compare as stored strings: an offset date becomes the stored UTC form. */
function utc(date: string): string {
  return new Date(date).toISOString();
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A letter as the API shows it; with `body`, its bytes as text when they are UTF-8, else base64. */
function view(letter: DeadLetterRecord, withBody: boolean): Record<string, unknown> {
  let body: { body: string; bodyEncoding: 'utf8' | 'base64' } | undefined;
  if (withBody) {
    try {
      body = { body: UTF8.decode(letter.body), bodyEncoding: 'utf8' };
    } catch {
      body = { body: letter.body.toString('base64'), bodyEncoding: 'base64' };
    }
  }
  return {
    id: letter.id,
    deadAt: letter.deadAt,
    code: letter.reason.code,
    message: letter.reason.message,
    token: letter.reason.token,
    ...(letter.eventId !== undefined && { eventId: letter.eventId }),
    ...(letter.uuid !== undefined && { uuid: letter.uuid }),
    ...(letter.event !== undefined && { event: letter.event }),
    routingKey: letter.routingKey,
    headers: letter.headers,
    ...(letter.messageId !== undefined && { messageId: letter.messageId }),
    attempts: letter.attempts,
    size: letter.body.byteLength,
    ...(letter.replayedAt !== undefined && { replayedAt: letter.replayedAt }),
    ...body,
  };
}

/** The answer to a replay of one letter, or the refusal it is. */
function answer(outcome: ReplayOutcome): { id: string; outcome: 'replayed'; eventId?: string } {
  switch (outcome.outcome) {
    case 'replayed':
      return outcome;
    case 'not_found':
      throw new PipelineJobsError('not_found', `no dead letter ${outcome.id}`, { id: outcome.id });
    case 'already_replayed':
      throw new PipelineJobsError('dead_letter_replayed', `dead letter ${outcome.id} was replayed already`, {
        id: outcome.id,
        ...(outcome.replayedAt !== undefined && { replayedAt: outcome.replayedAt }),
      });
    case 'unverified':
      throw new PipelineJobsError(
        'dead_letter_unverified',
        `dead letter ${outcome.id} was refused with its token ${outcome.token}, not verified; replay it with force`,
        { id: outcome.id, token: outcome.token },
      );
  }
}

/**
 * The dead letters for admins (bearer token only), read from the dead-letter record after a sweep
 * of the bus's dead-letter queue: `GET /dead` counts per reason code, `GET /dead/letters` pages
 * through them, `GET /dead/:id` shows one with its body, `POST /dead/:id/replay` and
 * `POST /dead/replay?code=` send letters back through the manager, `DELETE /dead?before=` purges.
 * See docs/dead-letters.md.
 */
export function registerDeadLetterRoutes(app: FastifyInstance, auth: SenderAuth, deadLetters: DeadLetters): void {
  const admin = (request: Parameters<SenderAuth['identify']>[0]): void =>
    auth.requireAdmin(auth.identify(request), 'dead-letter management');
  const { store } = deadLetters;

  app.get<{ Querystring: { code?: string; since?: string } }>(
    '/dead',
    { schema: { summary: 'Dead letters waiting, per reason code (admin)', querystring: countsQuery } },
    async (request) => {
      admin(request);
      await deadLetters.sweep();
      const { code, since } = request.query;
      const codes = await store.counts({
        ...(code !== undefined && { code }),
        ...(since !== undefined && { since: utc(since) }),
      });
      return { total: codes.reduce((sum, c) => sum + c.count, 0), codes };
    },
  );

  app.get<{ Querystring: { code?: string; since?: string; limit?: number; cursor?: string; replayed?: boolean } }>(
    '/dead/letters',
    { schema: { summary: 'Dead letters, oldest first, a page at a time (admin)', querystring: listQuery } },
    async (request) => {
      admin(request);
      await deadLetters.sweep();
      const { code, since, cursor, replayed } = request.query;
      const limit = request.query.limit ?? 100;
      const letters = await store.list({
        limit,
        ...(code !== undefined && { code }),
        ...(since !== undefined && { since: utc(since) }),
        ...(cursor !== undefined && { after: cursor }),
        ...(replayed === true && { replayed }),
      });
      const last = letters.at(-1);
      return {
        letters: letters.map((letter) => view(letter, false)),
        ...(letters.length === limit && last !== undefined && { nextCursor: last.id }),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/dead/:id',
    { schema: { summary: 'One dead letter, with its body (admin)', params: idParams } },
    async (request) => {
      admin(request);
      await deadLetters.sweep();
      const letter = await store.get(request.params.id);
      if (letter === undefined)
        throw new PipelineJobsError('not_found', `no dead letter ${request.params.id}`, { id: request.params.id });
      return view(letter, true);
    },
  );

  app.post<{ Params: { id: string }; Querystring: { force?: boolean } }>(
    '/dead/:id/replay',
    {
      schema: {
        summary: 'Send a dead letter back through the manager, same event id (admin)',
        params: idParams,
        querystring: forceQuery,
      },
    },
    async (request, reply) => {
      admin(request);
      const outcome = await deadLetters.replay(request.params.id, { force: request.query.force === true });
      return reply.code(202).send(answer(outcome));
    },
  );

  app.post<{ Querystring: { code: string; force?: boolean } }>(
    '/dead/replay',
    {
      schema: { summary: 'Replay every waiting dead letter of a reason code (admin)', querystring: replayCodeQuery },
    },
    async (request, reply) => {
      admin(request);
      await deadLetters.sweep();
      const { code, force } = request.query;
      const summary = await deadLetters.replayCode(code, { force: force === true });
      return reply.code(202).send({ code, ...summary });
    },
  );

  app.delete<{ Querystring: { code?: string; before: string } }>(
    '/dead',
    { schema: { summary: 'Purge dead letters that died before a time (admin)', querystring: purgeQuery } },
    async (request) => {
      admin(request);
      await deadLetters.sweep();
      const { code, before } = request.query;
      const purged = await store.purge({ before: utc(before), ...(code !== undefined && { code }) });
      return { purged };
    },
  );
}
