import type { ValidateFunction } from 'ajv';
import { PipelineJobsError } from '../errors/index.js';
import { createAjv } from './create-ajv.js';
import { clip, toValidationError } from './format-error.js';
import { guardPayload, resolveLimits, type PayloadLimits } from './payload-guard.js';
import { schemaDocuments } from './schema-documents.js';
import type { JobEventName } from '../model/job.js';
import type { AgaveJob, ClaimRequestMessage, CreateRequest, EventMessage, SlurmNotification } from './types.js';

const ajv = createAjv('messages');
ajv.addSchema(schemaDocuments.common);
ajv.addSchema(schemaDocuments.historyEntry);

const validateEvent: ValidateFunction<EventMessage> = ajv.compile<EventMessage>(schemaDocuments.event);
const validateCreate: ValidateFunction<CreateRequest> = ajv.compile<CreateRequest>(schemaDocuments.createRequest);
const validateAgave: ValidateFunction<AgaveJob> = ajv.compile<AgaveJob>(schemaDocuments.agaveJob);
const validateSlurm: ValidateFunction<SlurmNotification> = ajv.compile<SlurmNotification>(
  schemaDocuments.slurmNotification,
);

const validateClaimRequest: ValidateFunction<ClaimRequestMessage> = ajv.compile<ClaimRequestMessage>(
  schemaDocuments.claimRequest,
);

const EVENT_NAMES: ReadonlySet<string> = new Set(schemaDocuments.common.definitions.eventName.enum);

/**
 * `unknown_event` only when the name is the sole problem: the message would be valid under some
 * known name. `update` stands for every job-scoped event, `create` for the other branch.
 */
function unknownEventError(message: Record<string, unknown>): PipelineJobsError | undefined {
  const name = message['name'];
  if (typeof name !== 'string' || EVENT_NAMES.has(name)) return undefined;
  // Spread copies own keys (even "__proto__") as data properties; the copy is only validated.
  const fixable = ['update', 'create'].some((candidate) => validateEvent({ ...message, name: candidate }));
  if (!fixable) return undefined;
  return new PipelineJobsError(
    'unknown_event',
    `event.name "${clip(name)}" is not a known event; expected one of: ${[...EVENT_NAMES].join(', ')}`,
    {
      field: 'name',
      name: clip(name),
      allowed: [...EVENT_NAMES],
    },
  );
}

/**
 * Parses and validates a canonical event message.
 *
 * @param raw - JSON text, UTF-8 bytes (`Buffer`/`Uint8Array`), or an already parsed value.
 * @param limits - overrides of `DEFAULT_LIMITS` (256 KiB, depth 32, 10 000 keys).
 * @returns the parsed object itself, typed; user keys are untouched.
 * @throws PipelineJobsError `payload_too_large`, `malformed_json`, `not_an_object`, `too_deep`,
 *   `too_many_keys`, `unknown_event` (the name is the only problem) or `schema_violation`.
 */
export function parseEventMessage(raw: unknown, limits?: Partial<PayloadLimits>): EventMessage {
  const value = guardPayload(raw, resolveLimits(limits), 'event');
  if (validateEvent(value)) return value;
  const errors = validateEvent.errors;
  throw unknownEventError(value) ?? toValidationError('event', errors);
}

/**
 * Parses and validates a create request; a missing `data` becomes `{}` (on the object itself).
 *
 * @param raw - JSON text, UTF-8 bytes, or an already parsed value.
 * @throws PipelineJobsError the payload codes of {@link parseEventMessage}, or `schema_violation`.
 */
export function parseCreateRequest(raw: unknown, limits?: Partial<PayloadLimits>): CreateRequest {
  const value = guardPayload(raw, resolveLimits(limits), 'request');
  if (validateCreate(value)) return value;
  throw toValidationError('request', validateCreate.errors);
}

/**
 * Parses and validates the body of an Agave/Tapis v2 job notification. Unknown Agave fields are kept.
 *
 * @throws PipelineJobsError the payload codes of {@link parseEventMessage}, or `schema_violation`.
 */
export function parseAgaveJob(raw: unknown, limits?: Partial<PayloadLimits>): AgaveJob {
  const value = guardPayload(raw, resolveLimits(limits), 'agave');
  if (validateAgave(value)) return value;
  throw toValidationError('agave', validateAgave.errors);
}

/**
 * Parses and validates what `pjm slurm-mail` posts to `/callbacks/slurm`.
 *
 * @throws PipelineJobsError the payload codes of {@link parseEventMessage}, or `schema_violation`.
 */
export function parseSlurmNotification(raw: unknown, limits?: Partial<PayloadLimits>): SlurmNotification {
  const value = guardPayload(raw, resolveLimits(limits), 'slurm');
  if (validateSlurm(value)) return value;
  throw toValidationError('slurm', validateSlurm.errors);
}

/**
 * Parses and validates a claim request message (routing key `claim`).
 *
 * @throws PipelineJobsError the payload codes of {@link parseEventMessage}, or `schema_violation`.
 */
export function parseClaimRequest(raw: unknown, limits?: Partial<PayloadLimits>): ClaimRequestMessage {
  const value = guardPayload(raw, resolveLimits(limits), 'claim');
  if (validateClaimRequest(value)) return value;
  throw toValidationError('claim', validateClaimRequest.errors);
}

/** True when `name` is one of the 16 machine events (as listed in `common.schema.json`). */
export function isKnownEventName(name: unknown): name is JobEventName {
  return typeof name === 'string' && EVENT_NAMES.has(name);
}
