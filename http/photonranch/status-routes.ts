import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import { nextState } from '../../fsm/index.js';
import type { JobStore } from '../../ports/job-store.js';
import { photonRanchItem, queueOf, type PhotonRanchItem } from '../../protocol/photonranch-item.js';
import { builtinStatus } from '../../registry/builtin-vocabularies.js';
import type { JsonObject } from '../../model/job.js';
import { parseEventMessage, type JobEventMessage } from '../../schemas/index.js';
import type { BridgeContext } from '../bridge/bridge-context.js';
import { submitEvent } from '../bridge/submit-event.js';
import { bodyWithKeys, textKey } from './photonranch-body.js';
import { authorizeSite } from './site-auth.js';
import { siteJob } from './site-jobs.js';

/** The seed's `secondsUntilComplete`: a number (or numeric text), -1 when absent. */
function secondsOf(body: JsonObject): number {
  const given = body['secondsUntilComplete'];
  if (given === undefined || given === null) return -1;
  const seconds = typeof given === 'string' && given.trim() !== '' ? Number(given) : given;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds))
    throw new PipelineJobsError('schema_violation', 'request.secondsUntilComplete must be a number', {
      field: 'secondsUntilComplete',
    });
  return seconds;
}

/**
 * One status report of a site: the word through the built-in `photonranch` vocabulary (STARTED
 * `run`, COMPLETE `finish`, a free-form word an `update` with the word as phase…) as an event
 * through the manager, waited for. The job's detail keeps the word, `secondsUntilComplete` and
 * the queue it came by (`alternateQueue`); a change the machine forbids in the job's state is
 * refused 409 `illegal_transition` and the job is unchanged (the manager checks again on the
 * write). Answers the job's item after the event.
 */
async function reportStatus(
  context: BridgeContext,
  store: JobStore,
  request: FastifyRequest,
  reply: FastifyReply,
  body: JsonObject,
  word: string,
): Promise<PhotonRanchItem> {
  const site = textKey(body, 'site');
  const ulid = textKey(body, 'ulid');
  const secondsUntilComplete = secondsOf(body);
  const queue = queueOf(body['alternateQueue']);
  const caller = authorizeSite(context, request, site);
  const job = await siteJob(store, caller.site, ulid);
  const { name, phase } = builtinStatus('photonranch', word);
  // A site reports in order and waits for each answer, so a word the job's state does not allow
  // is wrong now, not early: refused here rather than left for the manager to wait for.
  if (name !== 'heartbeat' && !nextState(job.state, name).ok)
    throw new PipelineJobsError('illegal_transition', `job ${job.ulid} (${job.state}): ${word} is not allowed now`, {
      ulid: job.ulid,
      state: job.state,
      status: word.slice(0, 64),
    });
  const report = { status: word, secondsUntilComplete, queue };
  const message = parseEventMessage(
    {
      uuid: job.uuid,
      name,
      ...(phase !== undefined && { phase }),
      source: 'photonranch',
      token: context.tokens.issue(job.uuid, context.clock()),
      data: report,
      detail: report,
    },
    context.limits,
  ) as JobEventMessage;
  await submitEvent(context, reply, caller.sender, { ...message, id: randomUUID() }, true);
  return photonRanchItem((await store.get(job.uuid)) ?? job);
}

/**
 * `POST <prefix>/updatejobstatus {site, ulid, newStatus, secondsUntilComplete=-1, alternateQueue}`
 * and `POST <prefix>/startjob {site, ulid, secondsUntilComplete, alternateQueue}` (STARTED), for
 * the site's credential ({@link authorizeSite}).
 */
export function registerStatusRoutes(app: FastifyInstance, context: BridgeContext, store: JobStore): void {
  app.post(
    '/updatejobstatus',
    {
      schema: {
        summary: "Photon Ranch: a site reports a job's status",
        description: 'Body: site, ulid, newStatus, secondsUntilComplete (default -1), alternateQueue.',
      },
    },
    async (request, reply) => {
      const body = bodyWithKeys(request.body, ['site', 'ulid', 'newStatus'], context.limits);
      return reportStatus(context, store, request, reply, body, textKey(body, 'newStatus'));
    },
  );

  app.post(
    '/startjob',
    {
      schema: {
        summary: 'Photon Ranch: a site starts a job (status STARTED)',
        description: 'Body: site, ulid, secondsUntilComplete (default -1), alternateQueue.',
      },
    },
    async (request, reply) => {
      const body = bodyWithKeys(request.body, ['site', 'ulid'], context.limits);
      return reportStatus(context, store, request, reply, body, 'STARTED');
    },
  );
}
