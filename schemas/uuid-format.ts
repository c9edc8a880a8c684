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
