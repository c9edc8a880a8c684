export type {
  AgaveJob,
  ClaimJobsMessage,
  ClaimRequestMessage,
  CreateEventMessage,
  CreateRequest,
  NamedCreateRequest,
  EventMessage,
  JobEventMessage,
  ReleaseJobMessage,
  StatusEventMessage,
  SlurmNotification,
} from './types.js';
export { DEFAULT_LIMITS, guardPayload, isPlainObject, resolveLimits, type PayloadLimits } from './payload-guard.js';
export {
  isKnownEventName,
  parseAgaveJob,
  parseClaimRequest,
  parseCreateRequest,
  parseEventMessage,
  parseSlurmNotification,
} from './validators.js';
export { schemaDocuments } from './schema-documents.js';
export { createAjv, type AjvPurpose } from './create-ajv.js';
