import { PipelineJobsError } from '../../errors/index.js';
import type { JsonObject } from '../../model/job.js';
import { guardPayload, resolveLimits, type PayloadLimits } from '../../schemas/index.js';

/**
 * A Photon Ranch request body with its required keys present: the size, depth and key limits of
 * every body, then each key in order, refused as the seed refuses it — `missing required key X`
 * (400 `missing_required_key`). A key given as null counts as missing.
 */
export function bodyWithKeys(body: unknown, keys: readonly string[], limits: Partial<PayloadLimits>): JsonObject {
  const value = guardPayload(body ?? {}, resolveLimits(limits), 'request');
  for (const key of keys) {
    if (value[key] === undefined || value[key] === null)
      throw new PipelineJobsError('missing_required_key', `missing required key ${key}`, { key });
  }
  return value;
}

/** A key that must be non-empty text (`site`, `ulid`, `newStatus`…), else `schema_violation` naming it. */
export function textKey(body: JsonObject, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256)
    throw new PipelineJobsError('schema_violation', `request.${key} must be text of 1 to 256 characters`, {
      field: key,
    });
  return value;
}
