import agaveJob from './agave-job.schema.json' with { type: 'json' };
import claimRequest from './claim-request.schema.json' with { type: 'json' };
import common from './common.schema.json' with { type: 'json' };
import config from './config.schema.json' with { type: 'json' };
import createRequest from './create-request.schema.json' with { type: 'json' };
import event from './event.schema.json' with { type: 'json' };
import historyEntry from './history-entry.schema.json' with { type: 'json' };
import job from './job.schema.json' with { type: 'json' };
import pipelineRegistry from './pipeline-registry.schema.json' with { type: 'json' };
import slurmNotification from './slurm-notification.schema.json' with { type: 'json' };

/**
 * The JSON Schema documents (draft-07) as loaded from the `*.schema.json` files, for the
 * validators, the OpenAPI document and tests. Treat them as read-only.
 */
export const schemaDocuments = {
  common,
  event,
  createRequest,
  historyEntry,
  job,
  agaveJob,
  slurmNotification,
  config,
  pipelineRegistry,
  claimRequest,
} as const;
