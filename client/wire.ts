import { PipelineJobsError, type ErrorCode } from '../errors/index.js';
import type { JobState, JsonObject } from '../model/job.js';

/** Reading answers from the wire: small shape checks, so a wrong answer fails with a clear error. */

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field of an answer, or a PipelineJobsError naming what was wrong. */
export function stringField(answer: Record<string, unknown>, field: string, what: string): string {
  const value = answer[field];
  if (typeof value !== 'string' || value === '') throw unexpected(`${what} has no ${field}`, answer);
  return value;
}

export function optionalString(answer: Record<string, unknown>, field: string): string | undefined {
  const value = answer[field];
  return typeof value === 'string' ? value : undefined;
}

export function optionalNumber(answer: Record<string, unknown>, field: string): number | undefined {
  const value = answer[field];
  return typeof value === 'number' ? value : undefined;
}

/** The `state` of an answer (the server only ever answers machine states). */
export function stateField(answer: Record<string, unknown>, what: string): JobState {
  return stringField(answer, 'state', what) as JobState;
}

export function optionalObject(answer: Record<string, unknown>, field: string): JsonObject | undefined {
  const value = answer[field];
  return isObject(value) ? value : undefined;
}

/** An answer the client cannot read: a server of another version, or something that is not the tracker. */
export function unexpected(message: string, answer?: unknown): PipelineJobsError {
  const shown = answer === undefined ? undefined : JSON.stringify(answer).slice(0, 300);
  return new PipelineJobsError(
    'internal_error',
    `unexpected answer: ${message}`,
    shown === undefined ? {} : { answer: shown },
  );
}

/**
 * The server's refusal `{code, message}` as a PipelineJobsError. A code this client does not know
 * (a newer server) is carried as it is: callers compare `code` with strings.
 */
export function refusal(error: unknown, details: Readonly<Record<string, unknown>>): PipelineJobsError {
  if (!isObject(error) || typeof error['code'] !== 'string')
    return unexpected('a refusal without an error code', error);
  const message = typeof error['message'] === 'string' ? error['message'] : error['code'];
  const own = isObject(error['details']) ? error['details'] : {};
  return new PipelineJobsError(error['code'] as ErrorCode, message, { ...own, ...details });
}

/** `{[key]: value}` when value is defined, else `{}` (optional properties under exactOptionalPropertyTypes). */
export function optionalField<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
