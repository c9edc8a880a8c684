/**
 * The one spelling of a uuid in this tracker: canonical 8-4-4-4-12 hex, either case, no `urn:uuid:`
 * prefix (ajv-formats' own "uuid" format accepts that prefix; job lookups need the bare form). The
 * schemas' `format: "uuid"`, the query routes, the Slurm tag and the CLI all use it. No ajv here:
 * light callers (`pjm slurm-mail`) import it alone.
 */

/** The pattern's source, unanchored, for composing larger patterns. */
export const UUID_SOURCE = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** A whole string that is a uuid. */
export const UUID_PATTERN = new RegExp(`^${UUID_SOURCE}$`);

/** Whether `text` is a uuid. */
export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}

/** A uuid's 32 hex digits without dashes (Rubin OCPS's `job_id`), unanchored. */
export const UUID_HEX_SOURCE = '[0-9a-fA-F]{32}';

/** A whole string that is a uuid in either spelling: canonical, or 32 hex digits without dashes. */
export const ANY_UUID_PATTERN = new RegExp(`^(${UUID_SOURCE}|${UUID_HEX_SOURCE})$`);

/**
 * The one reader of a job uuid given by a caller: the canonical form or the dashless hex form
 * (Rubin's `job_id`), either case, to the stored form (canonical, lower case); undefined for
 * anything else.
 */
export function parseJobUuid(text: string): string | undefined {
  if (!ANY_UUID_PATTERN.test(text)) return undefined;
  const hex = text.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A job uuid as Rubin's `job_id`: its 32 hex digits, lower case, without dashes. */
export function uuidHex(uuid: string): string {
  return uuid.replace(/-/g, '').toLowerCase();
}
