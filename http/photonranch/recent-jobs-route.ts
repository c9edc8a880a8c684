import type { FastifyInstance } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import type { JobStore } from '../../ports/job-store.js';
import { photonRanchItem, type PhotonRanchItem } from '../../protocol/photonranch-item.js';
import type { BridgeContext } from '../bridge/bridge-context.js';
import { requireSiteKey } from '../bridge/claim-jobs.js';
import { bodyWithKeys, textKey } from './photonranch-body.js';
import { authorizeSite } from './site-auth.js';

/** The seed's default `timeRange`: one day, in ms. */
const DAY_MS = 24 * 60 * 60 * 1000;

/** Most items one answer carries (the seed's DynamoDB page was 1 MB). */
const MAX_ITEMS = 10_000;

/**
 * `POST <prefix>/getrecentjobs {site, timeRange}`: the site's commands created within the last
 * `timeRange` ms (default 24 h), whatever their status, oldest first, as the seed's items.
 */
export function registerRecentJobs(
  app: FastifyInstance,
  context: BridgeContext,
  store: JobStore,
  options: { readonly pipeline: string },
): void {
  app.post(
    '/getrecentjobs',
    {
      schema: {
        summary: "Photon Ranch: a site's recent commands",
        description: 'Body: site, timeRange (ms, default 24 h).',
      },
    },
    async (request) => {
      const body = bodyWithKeys(request.body, ['site'], context.limits);
      const site = textKey(body, 'site');
      const range = body['timeRange'] ?? DAY_MS;
      if (typeof range !== 'number' || !Number.isFinite(range) || range < 0)
        throw new PipelineJobsError('schema_violation', 'request.timeRange must be a number of ms, 0 or more', {
          field: 'timeRange',
        });
      const caller = authorizeSite(context, request, site);
      const now = context.clock();
      requireSiteKey((await context.auth.spend(caller.sender, 'events', now))?.site, caller.site);
      const createdSince = new Date(now.getTime() - range).toISOString();
      const items: PhotonRanchItem[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({
          site: caller.site,
          pipeline: options.pipeline,
          createdSince,
          order: 'asc',
          limit: 1000,
          ...(cursor !== undefined && { cursor }),
        });
        items.push(...page.jobs.map(photonRanchItem));
        cursor = page.nextCursor;
      } while (cursor !== undefined && items.length < MAX_ITEMS);
      return items.slice(0, MAX_ITEMS);
    },
  );
}
