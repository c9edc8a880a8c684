import type { JobTokens } from '../../model/job-tokens.js';
import type { JobStore } from '../../ports/job-store.js';
import type { PipelineCatalog } from '../../registry/pipeline-catalog.js';
import type { PayloadLimits } from '../../schemas/index.js';
import type { SenderAuth } from '../auth/sender-auth.js';
import type { RateLimiter } from '../auth/rate-limiter.js';
import type { EventPublisher } from './event-publisher.js';

/** What the bridge routes share: credentials, limits and the way onto the bus. */
export interface BridgeContext {
  readonly tokens: JobTokens;
  /**
   * Reads a job: who created it (answering a repeated create) and its life (admitting a token);
   * finds one by its ulid (a job id callers may give instead of the uuid).
   */
  readonly jobs: Pick<JobStore, 'get' | 'list'>;
  readonly auth: SenderAuth;
  readonly limiter: RateLimiter;
  readonly publisher: EventPublisher;
  readonly limits: Partial<PayloadLimits>;
  /** Base of the callback URLs handed out on create; the request's own origin when absent. */
  readonly publicUrl?: string;
  readonly clock: () => Date;
  /** The pipeline registry a create is checked against, as the manager checks it. */
  readonly pipelines: PipelineCatalog;
}
