import type { FastifyInstance } from 'fastify';
import type { JobStore } from '../../ports/job-store.js';
import type { BridgeContext } from '../bridge/bridge-context.js';
import { addCors } from './cors.js';
import { registerGetNewJobs } from './get-new-jobs.js';
import { JwtVerifier, type JwtOptions } from './jwt-verifier.js';
import { registerNewJob } from './new-job-route.js';
import { registerRecentJobs } from './recent-jobs-route.js';
import { registerStatusRoutes } from './status-routes.js';

/** What the Photon Ranch routes need besides the bridge's context (`PJM_PHOTONRANCH_*`, `PJM_JWT_*`). */
export interface PhotonRanchOptions {
  /** The routes' prefix (default `/photonranch`); `/` serves them at the root. */
  readonly prefix?: string;
  /** The pipeline of the jobs newjob creates (default `photonranch`). */
  readonly pipeline?: string;
  /** Origins the CORS headers allow (default `*`, as the seed). */
  readonly corsOrigins?: readonly string[];
  /** How newjob's JWTs are checked; absent: newjob refuses every call `jwt_not_configured`. */
  readonly jwt?: JwtOptions;
}

/** Prefix form of `PJM_PHOTONRANCH_PREFIX`: no trailing slash, and `/` is the root. */
export function photonRanchPrefix(prefix: string | undefined): string {
  return (prefix ?? '/photonranch').replace(/\/+$/, '');
}

/**
 * Photon Ranch's jobs API (LCOGT photonranch-jobs, [docs/photonranch.md](../../docs/photonranch.md))
 * under its prefix, with the seed's CORS headers: `newjob` (RS256 JWT) creates through the
 * bridge's one create path, `getnewjobs` is a claim through the managers, `updatejobstatus` and
 * `startjob` are events through `submitEvent`, `getrecentjobs` reads the store. The keys are
 * loaded when the app starts (`ready()`), which fails on an unreadable key file.
 */
export function registerPhotonRanch(
  app: FastifyInstance,
  context: BridgeContext,
  store: JobStore,
  options: PhotonRanchOptions = {},
): void {
  const pipeline = options.pipeline ?? 'photonranch';
  void app.register(
    async (photonranch) => {
      const verifier = await JwtVerifier.create(options.jwt);
      // The seed (a Lambda) read every body as JSON, whatever its content type: site software
      // posts json.dumps(...) with none. The routes parse it under the payload limits.
      photonranch.removeAllContentTypeParsers();
      photonranch.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      addCors(photonranch, options.corsOrigins ?? ['*']);
      registerNewJob(photonranch, context, store, { verifier, pipeline });
      registerStatusRoutes(photonranch, context, store);
      registerRecentJobs(photonranch, context, store, { pipeline });
      registerGetNewJobs(photonranch, context, '');
    },
    { prefix: photonRanchPrefix(options.prefix) },
  );
}
