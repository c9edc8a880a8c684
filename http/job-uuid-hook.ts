import type { FastifyInstance } from 'fastify';
import { parseJobUuid } from '../schemas/uuid-format.js';

/**
 * Rewrites `values.uuid` to the stored form when it is a job uuid in either spelling; leaves
 * anything else for the schema to judge. The one place the HTTP API reads a caller's job uuid.
 */
export function normalizeJobUuid(values: unknown): void {
  if (values === null || typeof values !== 'object') return;
  const record = values as Record<string, unknown>;
  const given = record['uuid'];
  if (typeof given !== 'string') return;
  const uuid = parseJobUuid(given);
  if (uuid !== undefined) record['uuid'] = uuid;
}

/**
 * Makes every job uuid in a URL (`:uuid` in the path, `?uuid=`) the stored form before the route
 * validates it, so each route that takes a job uuid also takes it without dashes (Rubin OCPS's
 * `job_id`) and in upper case; the JSON event body of `POST /events` goes through
 * {@link normalizeJobUuid} too. Anything that is not a uuid is left for the route's schema to refuse.
 */
export function acceptBothUuidForms(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    normalizeJobUuid(request.params);
    normalizeJobUuid(request.query);
  });
}
