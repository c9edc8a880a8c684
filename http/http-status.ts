import type { ErrorCode } from '../errors/index.js';

/** The HTTP status each error code answers with (docs/errors.md lists the same). */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  payload_too_large: 413,
  malformed_json: 400,
  not_an_object: 400,
  too_deep: 400,
  too_many_keys: 400,
  schema_violation: 400,
  unknown_event: 400,
  unknown_job: 404,
  illegal_transition: 409,
  version_conflict: 409,
  event_id_conflict: 409,
  invalid_config: 500,
  store_unavailable: 503,
  not_found: 404,
  internal_error: 500,
  token_missing: 401,
  token_invalid: 403,
  token_expired: 403,
  sequence_gap: 409,
  stale_sequence: 409,
};
