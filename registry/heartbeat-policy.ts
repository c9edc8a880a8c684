/** A duration as the registry and the create request write it: seconds, or a number with `ms`, `s`, `m`, `h`. */
export type DurationInput = number | string;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration (`90`, `'90s'`, `'10m'`, `'1.5h'`), or undefined when it is not one or not positive. */
export function durationMs(input: DurationInput): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input > 0 ? input * 1000 : undefined;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(input.trim());
  if (match === null) return undefined;
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1000);
  return ms > 0 ? ms : undefined;
}

/**
 * A pipeline's `heartbeat` key (`schemas/pipeline-registry.schema.json#/definitions/heartbeat`,
 * docs/heartbeats.md): a job of the pipeline that shows no sign of life (an event or a heartbeat)
 * for `timeout` is flagged stale by a reaper. A job may set its own at create.
 */
export interface HeartbeatPolicy {
  /** Seconds, or a string with a unit (`90s`, `10m`, `1h`). */
  readonly timeout: DurationInput;
}

/** The policy's timeout in ms; undefined without a policy (the registry schema has checked its form). */
export function heartbeatTimeoutOf(policy: HeartbeatPolicy | undefined): number | undefined {
  return policy === undefined ? undefined : durationMs(policy.timeout);
}
