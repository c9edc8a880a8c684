import type { FastifyRequest } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import { clip } from '../../schemas/format-error.js';
import { guardPayload, resolveLimits, schemaDocuments, type PayloadLimits } from '../../schemas/index.js';
import { rawBody } from '../bridge/request-parts.js';

/** The arguments of Rubin's `POST {API_BASEPATH}/job`. */
export interface RubinArguments {
  readonly type: string;
  /** NAME → value; numbers and booleans are turned into their text, as a shell would see them. */
  readonly env: Record<string, unknown>;
  readonly log_dir: unknown;
}

const REQUIRED = ['type', 'env', 'log_dir'] as const;
const TYPE_PATTERN = new RegExp(schemaDocuments.common.definitions.identifier.pattern);
const JSON_TYPES = new Set(['application/json', 'application/javascript']);

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Where Rubin's server reads arguments: a JSON body when the content type says JSON, otherwise
 * the form body (`application/x-www-form-urlencoded`) and then the query string.
 */
function fieldsOf(request: FastifyRequest, limits: Partial<PayloadLimits>): Record<string, unknown> {
  const body = rawBody(request.body);
  const type = mediaType(request);
  if (JSON_TYPES.has(type) || type.endsWith('+json')) {
    return body === undefined ? {} : guardPayload(body, resolveLimits(limits), 'request');
  }
  const fields: Record<string, unknown> = {};
  const query = (request.query ?? {}) as Record<string, unknown>;
  for (const name of REQUIRED) if (query[name] !== undefined) fields[name] = first(query[name]);
  if (body !== undefined && type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(body.toString('utf8'));
    for (const name of REQUIRED) {
      const value = form.get(name);
      if (value !== null) fields[name] = value;
    }
  }
  return fields;
}

/** `env` as an object: given as one in JSON, as JSON text in a form or the query string. */
function envOf(value: unknown): Record<string, unknown> {
  let env = value;
  if (typeof value === 'string') {
    try {
      env = JSON.parse(value) as unknown;
    } catch {
      env = undefined;
    }
  }
  if (env === null || typeof env !== 'object' || Array.isArray(env)) {
    throw new PipelineJobsError(
      'missing_env',
      'env must be an object of NAME: "value" (in a form or the query string: that object as JSON)',
      { field: 'env' },
    );
  }
  const out: Record<string, unknown> = {};
  for (const [name, given] of Object.entries(env as Record<string, unknown>)) {
    out[name] = typeof given === 'number' || typeof given === 'boolean' ? String(given) : given;
  }
  return out;
}

/**
 * Reads and checks the arguments of a Rubin create: each missing one named (`missing_argument`),
 * a `type` that cannot be a job type refused (`invalid_job_type`: path characters and the like),
 * `env` an object. Whether the type exists, the env is complete and the log directory allowed is
 * the registry's check, run on the create like any other.
 */
export function rubinArguments(request: FastifyRequest, limits: Partial<PayloadLimits>): RubinArguments {
  const fields = fieldsOf(request, limits);
  const missing = REQUIRED.filter((name) => fields[name] === undefined || fields[name] === null || fields[name] === '');
  if (missing.length > 0) {
    throw new PipelineJobsError(
      'missing_argument',
      `Missing argument${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`,
      { missing },
    );
  }
  const type = fields['type'];
  if (typeof type !== 'string' || type.length > 128 || !TYPE_PATTERN.test(type)) {
    throw new PipelineJobsError(
      'invalid_job_type',
      `Invalid job type ${JSON.stringify(clip(String(type)))}: a type is letters, digits, ".", "_" and "-", ` +
        'starting with a letter or digit',
      { type: clip(String(type)) },
    );
  }
  return { type, env: envOf(fields['env']), log_dir: fields['log_dir'] };
}
