import { PipelineJobsError } from '../errors/index.js';
import type { JsonObject } from '../model/job.js';

/** Bounds applied to every payload before schema validation. */
export interface PayloadLimits {
  /** Largest accepted raw payload, in UTF-8 bytes (checked only for string/byte input). */
  readonly maxBytes: number;
  /** Deepest accepted nesting; the top-level object is depth 1. */
  readonly maxDepth: number;
  /** Most object keys accepted, counted over every level. */
  readonly maxKeys: number;
}

/** 256 KiB, 32 levels, 10 000 keys — the `PJM_MAX_*` defaults. */
export const DEFAULT_LIMITS: PayloadLimits = Object.freeze({ maxBytes: 256 * 1024, maxDepth: 32, maxKeys: 10_000 });

/** Merges caller overrides onto `base`, refusing limits that are not positive integers. */
export function resolveLimits(
  overrides: Partial<PayloadLimits> | undefined,
  base: PayloadLimits = DEFAULT_LIMITS,
): PayloadLimits {
  if (overrides === undefined) return base;
  const limits = { ...base, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`payload limit ${key} must be a positive integer, got ${String(value)}`);
  }
  return limits;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Size check and JSON.parse for raw input; anything else is returned as is. */
function decode(raw: unknown, limits: PayloadLimits, label: string): unknown {
  let text: string;
  if (typeof raw === 'string') {
    const size = Buffer.byteLength(raw, 'utf8');
    if (size > limits.maxBytes) throw tooLarge(label, limits.maxBytes, size);
    text = raw;
  } else if (raw instanceof Uint8Array) {
    if (raw.byteLength > limits.maxBytes) throw tooLarge(label, limits.maxBytes, raw.byteLength);
    try {
      text = utf8.decode(raw);
    } catch (cause) {
      throw new PipelineJobsError(
        'malformed_json',
        `${label} is not valid UTF-8`,
        { message: 'invalid UTF-8' },
        { cause },
      );
    }
  } else {
    return raw;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new PipelineJobsError('malformed_json', `${label} is not valid JSON: ${message}`, { message }, { cause });
  }
}

function tooLarge(label: string, limit: number, size: number): PipelineJobsError {
  return new PipelineJobsError('payload_too_large', `${label} is ${size} bytes, over the limit of ${limit}`, {
    limit,
    size,
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** True for `{}`-style objects: JSON.parse output and object literals, not arrays, dates or class instances. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Walks the value with an explicit stack, so hostile nesting cannot overflow the call stack, and
 * stops at the first limit crossed. A cyclic (non-JSON) input ends as `too_deep`.
 */
function checkShape(root: JsonObject, limits: PayloadLimits, label: string): void {
  const values: unknown[] = [root];
  const depths: number[] = [1];
  let keys = 0;
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop() ?? 1;
    if (depth > limits.maxDepth) {
      throw new PipelineJobsError('too_deep', `${label} nests deeper than ${limits.maxDepth} levels`, {
        limit: limits.maxDepth,
      });
    }
    const children: unknown[] = Array.isArray(value) ? value : Object.values(value as object);
    if (!Array.isArray(value)) {
      keys += children.length;
      if (keys > limits.maxKeys) {
        throw new PipelineJobsError('too_many_keys', `${label} has more than ${limits.maxKeys} object keys`, {
          limit: limits.maxKeys,
        });
      }
    }
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
}

/**
 * The checks every payload passes before its schema: byte size and JSON syntax (string or byte
 * input only), then plain-object, nesting depth and key count. Returns the parsed object itself
 * (never a copy), so user keys such as `__proto__` stay own data properties.
 *
 * @param label - names the payload in messages, e.g. `event`.
 * @throws PipelineJobsError `payload_too_large`, `malformed_json`, `not_an_object`, `too_deep`, `too_many_keys`.
 */
export function guardPayload(raw: unknown, limits: PayloadLimits, label: string): JsonObject {
  const value = decode(raw, limits, label);
  if (!isPlainObject(value)) {
    const got = describe(value);
    throw new PipelineJobsError('not_an_object', `${label} must be a JSON object, got ${got}`, { type: got });
  }
  checkShape(value, limits, label);
  return value;
}
