export type {
  AgaveJob,
  CreateEventMessage,
  CreateRequest,
  NamedCreateRequest,
  EventMessage,
  JobEventMessage,
  StatusEventMessage,
  SlurmNotification,
} from './types.js';
export { DEFAULT_LIMITS, guardPayload, isPlainObject, resolveLimits, type PayloadLimits } from './payload-guard.js';
export {
  isKnownEventName,
  parseAgaveJob,
  parseCreateRequest,
  parseEventMessage,
  parseSlurmNotification,
} from './validators.js';
export { schemaDocuments } from './schema-documents.js';
export { createAjv, type AjvPurpose } from './create-ajv.js';
