import type { ErrorObject } from 'ajv';
import { PipelineJobsError, type ErrorCode } from '../errors/index.js';

// User-chosen keys and values end up in messages; cap them so a hostile key cannot bloat logs.
const MAX_SHOWN = 80;

/** Shortens `text` to a loggable length. */
export function clip(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends one property or index to a dotted path: `a` + `b` → `a.b`, `a` + `0` → `a[0]`, `a` + `x.y` → `a["x.y"]`. */
function appendSegment(path: string, segment: string): string {
  if (/^(0|[1-9][0-9]*)$/.test(segment)) return `${path}[${segment}]`;
  if (IDENTIFIER.test(segment)) return path === '' ? segment : `${path}.${segment}`;
  return `${path}[${JSON.stringify(clip(segment))}]`;
}

/** Turns an ajv JSON pointer (`/history/0/date`) into a dotted path (`history[0].date`). */
export function pointerToPath(pointer: string, extra?: string): string {
  const segments =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  return segments.reduce(appendSegment, '');
}

function paramString(params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key];
  return typeof value === 'string' ? value : undefined;
}

/** The offending field and a human reason, per ajv keyword. */
function describeError(error: ErrorObject): { field: string; reason: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        field: pointerToPath(error.instancePath, paramString(params, 'missingProperty')),
        reason: 'is required',
      };
    case 'additionalProperties':
      return {
        field: pointerToPath(error.instancePath, paramString(params, 'additionalProperty')),
        reason: 'is not an allowed property',
      };
    case 'not':
      return { field: pointerToPath(error.instancePath), reason: 'is not allowed here' };
    case 'enum': {
      const allowed = Array.isArray(params['allowedValues']) ? params['allowedValues'].map(String).join(', ') : '';
      return { field: pointerToPath(error.instancePath), reason: `must be one of: ${allowed}` };
    }
    default:
      return { field: pointerToPath(error.instancePath), reason: error.message ?? `fails ${error.keyword}` };
  }
}

function clipParams(params: ErrorObject['params']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params as Record<string, unknown>))
    out[key] = typeof value === 'string' ? clip(value) : value;
  return out;
}

/** `event` + `data` → `event.data`; `event` + `data["a.b"]` → `event.data["a.b"]`. */
function qualify(label: string, field: string): string {
  if (field === '') return label;
  return field.startsWith('[') ? `${label}${field}` : `${label}.${field}`;
}

/**
 * Converts the first ajv error into a `schema_violation` (or `code`) naming the field:
 * message `event.data must be object`, details `{field, keyword, params}`.
 */
export function toValidationError(
  label: string,
  errors: readonly ErrorObject[] | null | undefined,
  code: ErrorCode = 'schema_violation',
): PipelineJobsError {
  const first = errors?.[0];
  if (first === undefined)
    return new PipelineJobsError(code, `${label} is invalid`, { field: '', keyword: 'unknown', params: {} });
  const { field, reason } = describeError(first);
  return new PipelineJobsError(code, `${qualify(label, field)} ${reason}`, {
    field,
    keyword: first.keyword,
    params: clipParams(first.params),
  });
}

/** Every ajv error as `KEY reason` lines, one per offending key (used for configuration). */
export function describeAllErrors(errors: readonly ErrorObject[]): { key: string; reason: string }[] {
  return errors
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const { field, reason } = describeError(e);
      return { key: field, reason };
    });
}

/**
 * Like {@link toValidationError}, but naming every offending field (ajv run with `allErrors`):
 * message `request.data.a is required; request.data.b must be integer`, details of the first
 * error as there, plus `errors: [{field, reason}]` for all of them.
 */
export function toValidationErrors(
  label: string,
  errors: readonly ErrorObject[] | null | undefined,
  code: ErrorCode = 'schema_violation',
): PipelineJobsError {
  const first = toValidationError(label, errors, code);
  const all = (errors ?? []).filter((e) => e.keyword !== 'if').map(describeError);
  if (all.length <= 1) return new PipelineJobsError(code, first.message, { ...first.details, errors: all });
  const message = all.map(({ field, reason }) => `${qualify(label, field)} ${reason}`).join('; ');
  return new PipelineJobsError(code, message, { ...first.details, errors: all });
}
