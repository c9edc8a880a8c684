import type { FastifyInstance } from 'fastify';
import { DEFAULT_QUEUE } from '../../model/site-queue.js';
import { schemaDocuments } from '../../schemas/index.js';
import type { BridgeContext } from './bridge-context.js';
import { claimThroughManager, releaseThroughManager } from './claim-jobs.js';

/** Default lease of a claim when the caller names none: five minutes. */
export const DEFAULT_LEASE_SECONDS = 300;

interface ClaimBody {
  site: string;
  queue?: string;
  max?: number;
  lease?: number;
  by?: string;
}

const claimBody = {
  type: 'object',
  additionalProperties: false,
  required: ['site'],
  properties: {
    site: { type: 'string', minLength: 1, maxLength: 128 },
    queue: schemaDocuments.common.definitions.queue,
    max: { type: 'integer', minimum: 1, maximum: 1000, default: 1, description: 'Most jobs to take (default 1).' },
    lease: {
      type: 'integer',
      minimum: 1,
      maximum: 604800,
      default: DEFAULT_LEASE_SECONDS,
      description: 'Seconds the claim holds unless the job starts or is released (default 300).',
    },
    by: { type: 'string', minLength: 1, maxLength: 256, description: 'The claimer (default: the credential).' },
  },
} as const;

const releaseBody = {
  type: 'object',
  additionalProperties: false,
  required: ['uuid'],
  properties: {
    uuid: { type: 'string', format: 'uuid' },
    by: { type: 'string', minLength: 1, maxLength: 256, description: 'The holder (default: the credential).' },
  },
} as const;

/**
 * `POST /claims` and `POST /claims/release`: pull-based work for sites that poll (docs/claims.md).
 * Both go through the managers as requests on the bus; a site key (a nonce of scope `claim`)
 * claims and releases only for its own site.
 */
export function registerClaimRoutes(app: FastifyInstance, context: BridgeContext): void {
  app.post<{ Body: ClaimBody }>(
    '/claims',
    {
      schema: {
        summary: "Claim up to max of the oldest claimable jobs of a site's queue",
        description:
          'Atomically hands the caller up to `max` jobs that are CREATED, of `site` and `queue` (default ' +
          '`primary`), and not held by a live claim, oldest first; each gets a `claim` note in its history ' +
          '(claimer, lease end). Answers `{jobs: [{uuid, pipeline, data, claim, token, …}]}`; `jobs` is empty ' +
          'when nothing is claimable. The lease ends early when the holder sends `run` (or the job otherwise ' +
          'leaves CREATED) or releases it; when it runs out, the job is claimable again.',
        body: claimBody,
      },
    },
    async (request) => {
      const sender = context.auth.identify(request);
      const { site, queue, max, lease, by } = request.body;
      const jobs = await claimThroughManager(context, sender, {
        site,
        queue: queue ?? DEFAULT_QUEUE,
        max: max ?? 1,
        leaseMs: (lease ?? DEFAULT_LEASE_SECONDS) * 1000,
        ...(by !== undefined && { by }),
      });
      return { jobs };
    },
  );

  app.post<{ Body: { uuid: string; by?: string } }>(
    '/claims/release',
    {
      schema: {
        summary: 'Give a claimed job back before its lease ends',
        description:
          'Only the holder (`by`, default the credential) of a live claim may release it; answers ' +
          '`{uuid, status, state, version}`, or 409 `claim_not_held`.',
        body: releaseBody,
      },
    },
    async (request) => {
      const sender = context.auth.identify(request);
      const reply = await releaseThroughManager(context, sender, request.body);
      return { uuid: reply.uuid, status: reply.outcome, state: reply.state, version: reply.version };
    },
  );
}
