/**
 * Every stable error code the product can emit, with a one-line meaning.
 * Codes are part of the external contract (HTTP bodies, dead-letter headers, client errors):
 * never rename one; add new ones here and document them in docs/errors.md.
 */
export const ERROR_CODES = {
  payload_too_large: 'The message or request body exceeds the configured size limit.',
  malformed_json: 'The message body is not valid JSON.',
  not_an_object: 'The message body is valid JSON but not a JSON object.',
  too_deep: 'The payload nests objects or arrays deeper than the configured limit.',
  too_many_keys: 'The payload holds more object keys in total than the configured limit.',
  schema_violation: 'The payload does not match its JSON Schema; details name the field.',
  unknown_event: 'The event name is not one of the pipeline-job machine events.',
  unknown_job: 'No job with this uuid exists.',
  illegal_transition: "The machine does not allow this event in the job's current state.",
  version_conflict: 'The job changed since it was read; the conditional write was refused.',
  event_id_conflict: 'The event id was already used for a different job.',
  invalid_config: 'A configuration value is missing or invalid; details name each key.',
  store_unavailable: 'The job store could not be reached.',
  not_found: 'No such HTTP route.',
  internal_error: 'An unexpected server error; the details are in the server log, not in the answer.',
  token_missing: "A job-scoped event arrived without the job's token.",
  token_invalid: 'The token is malformed or was not issued for this job.',
  token_expired:
    'The token was issued for this job but its lifetime is over: the job ended more ' +
    'than the grace period ago, or an operator token outlived its TTL.',
  job_exists:
    'The job already exists and was created by another credential: its token goes only to its creator and to admins.',
  sequence_gap: 'The event carries a sequence number past the next one the job expects; it waits for its predecessors.',
  stale_sequence: 'The event carries a sequence number the job has already passed, under a new event id.',
  credentials_missing:
    'The HTTP call carries no sender credential (bearer token or x-nonce) and the server requires one.',
  credentials_invalid: 'The bearer token is not one the server knows.',
  forbidden: 'The credential is valid but does not allow this call (admin-only event or route, nonce scope).',
  nonce_invalid: 'The x-nonce is malformed or unknown.',
  nonce_expired: 'The x-nonce was valid but its expiry has passed.',
  nonce_revoked: 'The x-nonce was revoked by an admin.',
  nonce_exhausted: 'The x-nonce has no uses left.',
  rate_limited: 'Too many callbacks for this job in a short time; retry after the Retry-After delay.',
  verdict_timeout:
    "The event reached the tracker (or may have) but no verdict came within the client's wait; it may still apply.",
  unknown_pipeline:
    'The create names a pipeline the registry does not list, and the registry is strict (PJM_PIPELINES_STRICT).',
  launch_failed:
    "The dispatcher could not start the job's script (log directory, missing command, sbatch refused): the job failed.",
  unknown_status: "The status word is not in the job pipeline's status vocabulary, or the pipeline has no vocabulary.",
  invalid_registry: 'The pipeline registry file cannot be used; the message names the file, the pipeline and the key.',
  bus_unavailable:
    'The event bus could not take the event (broker down); nothing was accepted, retry after the Retry-After delay.',
  missing_env:
    "The create's data.env lacks environment variables its pipeline declares (or data.env is not an object " +
    'of strings); the message names each one.',
  invalid_log_dir: "The create's data.log_dir is not an absolute path, or lies outside PJM_LOG_ROOT.",
  missing_argument: 'A Rubin OCPS request lacks a required argument (type, env, log_dir); the message names it.',
  invalid_job_type:
    'The Rubin OCPS job type is not a type of the job specs, or holds characters a type may not (path characters).',
  dead_letter_replayed: 'The dead letter was replayed already; a replay that failed again is a new dead letter.',
  dead_letter_unverified:
    "The dead letter's token was not verified when it was refused; replaying it needs an explicit force.",
  job_not_live:
    'A heartbeat for a job in a state that expects none (FAILED, FINISHED, CANCELLED …): there is no lease to renew.',
  lease_not_expired:
    "A stale mark names a lease that is no longer the job's or has not expired (a heartbeat or an event renewed " +
    'it, the job moved on, or it is flagged already): nothing is marked.',
  site_forbidden:
    'The credential is a site key of another site: it may claim, release and send ' +
    "events only for its own site's jobs.",
  claim_not_held:
    'The release names a job the caller holds no live claim on (never claimed, released, expired or started).',
  claim_pending:
    'The claim request reached the tracker but no answer came in time; ' +
    'any jobs it took are freed when their lease ends.',
  missing_required_key: 'A Photon Ranch request lacks a required key; the message names it ("missing required key X").',
  jwt_missing: 'A Photon Ranch newjob carries no Authorization: Bearer JWT.',
  jwt_malformed: 'The bearer JWT is not a well-formed signed JWT (three base64url parts, JSON header and claims).',
  jwt_algorithm: 'The JWT is not signed with RS256 (alg none, HS256 and every other algorithm are refused).',
  jwt_unknown_key: "The JWT's key id (kid) names no key of the configured JWKS.",
  jwt_signature: "The JWT's signature does not verify with the configured key.",
  jwt_expired: 'The JWT has expired (exp is past).',
  jwt_not_yet_valid: 'The JWT is not valid yet (nbf or iat is in the future).',
  jwt_audience: 'The JWT is not issued for this audience (aud differs from PJM_JWT_AUDIENCE).',
  jwt_issuer: 'The JWT is not from the configured issuer (iss differs from PJM_JWT_ISSUER).',
  jwt_keys_unavailable: 'The JWKS URL could not be fetched or read, so no JWT can be checked now; retry later.',
  jwt_not_configured: 'Photon Ranch newjob needs PJM_JWT_JWKS or PJM_JWT_CERT, and neither is set.',
} as const;

/** A stable, documented error code. */
export type ErrorCode = keyof typeof ERROR_CODES;
