export type {
  AgaveJob,
  Config,
  CreateEventMessage,
  CreateRequest,
  EventMessage,
  HistoryEntry,
  JobClaim,
  JobDocument,
  JobEventMessage,
  JobEventName,
  JobState,
  JsonObject,
  LogFormat,
  LogLevel,
  SlurmNotification,
} from './types.js';
export { DEFAULT_LIMITS, guardPayload, isPlainObject, resolveLimits, type PayloadLimits } from './payload-guard.js';
export {
  JOB_DOCUMENT_LIMITS,
  isKnownEventName,
  parseAgaveJob,
  parseCreateRequest,
  parseEventMessage,
  parseSlurmNotification,
  validateJobDocument,
} from './validators.js';
export { CONFIG_KEYS, limitsFromConfig, loadConfig, unknownConfigNames } from './config.js';
export { schemaDocuments } from './schema-documents.js';
export { createAjv, type AjvPurpose } from './create-ajv.js';
