import type { FastifyInstance } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import type { JobDocument, JsonObject } from '../../model/job.js';
import { newUlid } from '../../model/new-job.js';
import type { JobStore } from '../../ports/job-store.js';
import { photonRanchItem } from '../../protocol/photonranch-item.js';
import { isPlainObject } from '../../schemas/index.js';
import type { BridgeContext } from '../bridge/bridge-context.js';
import { createJob } from '../bridge/create-job.js';
import { callbackEventId } from '../bridge/request-parts.js';
import type { JwtVerifier } from './jwt-verifier.js';
import { bodyWithKeys, textKey } from './photonranch-body.js';

/** The keys every newjob must give, in the seed's order (the first missing one is named). */
export const NEWJOB_KEYS = [
  'site',
  'device',
  'instance',
  'action',
  'user_name',
  'user_id',
  'optional_params',
  'required_params',
] as const;

/** The action that first cancels the site's earlier commands. */
const CANCEL_ALL = 'cancel_all_commands';

function objectKey(body: JsonObject, key: string): JsonObject {
  const value = body[key];
  if (!isPlainObject(value))
    throw new PipelineJobsError('schema_violation', `request.${key} must be an object`, { field: key });
  return value;
}

/**
 * Cancels the site's commands made before `before` that have not started: a `cancel` event each
 * (kept with their history; the seed deleted them). A started job cannot be cancelled (the machine
 * allows `cancel` only before RUNNING) and is left to finish or fail. Event ids derive from the
 * new command's ulid, so a retried newjob cancels nothing twice.
 */
async function cancelEarlier(
  context: BridgeContext,
  store: JobStore,
  where: { readonly pipeline: string; readonly site: string },
  before: string,
  now: Date,
): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await store.list({
      ...where,
      state: ['CREATED', 'RESET'],
      order: 'asc',
      limit: 1000,
      ...(cursor !== undefined && { cursor }),
    });
    for (const job of page.jobs) {
      if (job.ulid >= before) continue;
      const message = {
        id: callbackEventId('photonranch-cancel-all', job.uuid, before),
        uuid: job.uuid,
        name: 'cancel' as const,
        source: 'photonranch',
        token: context.tokens.issue(job.uuid, now),
        data: { cancelledBy: before },
      };
      await context.publisher.send(message, false);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/**
 * `POST <prefix>/newjob`: a verified JWT, the seed's eight keys, then a new job named by a fresh
 * ulid (two identical commands are two jobs) through the bridge's one create path. Answers the
 * seed's item (`statusId` `UNREAD#<ulid>`, `timestamp_ms`…) with the job's `uuid` and `token`.
 */
export function registerNewJob(
  app: FastifyInstance,
  context: BridgeContext,
  store: JobStore,
  options: { readonly verifier: JwtVerifier; readonly pipeline: string },
): void {
  app.post(
    '/newjob',
    {
      schema: {
        summary: 'Photon Ranch: a new command for a site (RS256 JWT bearer)',
        description: `Body keys: ${NEWJOB_KEYS.join(', ')}. docs/photonranch.md.`,
      },
    },
    async (request, reply) => {
      const caller = await options.verifier.verify(request.headers.authorization);
      const body = bodyWithKeys(request.body, NEWJOB_KEYS, context.limits);
      const site = textKey(body, 'site');
      const action = textKey(body, 'action');
      const data: JsonObject = {
        deviceType: textKey(body, 'device'),
        deviceInstance: textKey(body, 'instance'),
        action,
        optional_params: objectKey(body, 'optional_params'),
        required_params: objectKey(body, 'required_params'),
        user_name: textKey(body, 'user_name'),
        user_id: textKey(body, 'user_id'),
        user_roles: [...caller.roles],
      };
      const now = context.clock();
      const ulid = newUlid(now);
      if (action === CANCEL_ALL) await cancelEarlier(context, store, { pipeline: options.pipeline, site }, ulid, now);
      const create = { pipeline: options.pipeline, data, site, owner: textKey(body, 'user_id'), ulid };
      const sender = { kind: 'user' as const, subject: caller.subject };
      const result = await createJob(context, request, sender, create, true);
      const { uuid, token } = result.answer;
      const stored = await store.get(uuid);
      const date = now.toISOString();
      const job: JobDocument = stored ?? {
        uuid,
        ulid,
        pipeline: options.pipeline,
        state: 'CREATED',
        version: 0,
        data,
        created: date,
        updated: date,
        lastEvent: 'create',
        site,
      };
      return reply.code(result.code === 202 ? 202 : 200).send({ ...photonRanchItem(job), token });
    },
  );
}
