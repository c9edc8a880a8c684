/** The error classes a retry rule may name (HR-S&I's `CsiInternalError` / `CsiExternalError`). */
export type ErrorClass = 'internal' | 'external';

/** One rule of a retry policy as written (`schemas/pipeline-registry.schema.json#/definitions/retryRule`). */
export interface RetryRule {
  /** Exit codes and inclusive ranges (`"10-49"`); the fail's `data.exit_code` must be one of them. */
  readonly exit_codes?: readonly (number | string)[];
  readonly error_class?: ErrorClass;
  /** Equal to the fail's `data.error_subtype`. */
  readonly error_subtype?: string;
  /** A regular expression the fail's `data.error_message` must match. */
  readonly error_message?: string;
  /** false: a matching fail is never retried (default true). */
  readonly retry?: boolean;
  /** The rule's own budget: at most this many retries by this rule. */
  readonly max_retries?: number;
}

/** A pipeline's `retry` key (docs/retries.md). */
export interface RetryPolicy {
  /** Tries in all, the first one included. */
  readonly max_attempts: number;
  readonly delay_seconds?: number;
  readonly backoff?: number;
  readonly max_delay_seconds?: number;
  /** Tried in order; the first that matches decides. */
  readonly rules: readonly RetryRule[];
}

/** The fields of a `fail`'s data a rule looks at. */
export interface FailFacts {
  readonly exit_code?: number;
  readonly error_class?: string;
  readonly error_subtype?: string;
  readonly error_message?: string;
}

/** The facts of a `fail` entry's data: only fields of the right type count. */
export function failFacts(data: Readonly<Record<string, unknown>> | null): FailFacts {
  const pick = (key: string): string | undefined => (typeof data?.[key] === 'string' ? data[key] : undefined);
  const code = data?.['exit_code'];
  const exitCode = typeof code === 'number' && Number.isInteger(code) ? code : undefined;
  const errorClass = pick('error_class');
  const subtype = pick('error_subtype');
  const message = pick('error_message');
  return {
    ...(exitCode !== undefined && { exit_code: exitCode }),
    ...(errorClass !== undefined && { error_class: errorClass }),
    ...(subtype !== undefined && { error_subtype: subtype }),
    ...(message !== undefined && { error_message: message }),
  };
}

/** `[low, high]` of an exit-code entry (`2` or `"10-49"`). */
function rangeOf(entry: number | string): readonly [number, number] {
  if (typeof entry === 'number') return [entry, entry];
  const [low, high] = entry.split('-').map(Number);
  return [low ?? NaN, high ?? NaN];
}

function matchesRule(rule: RetryRule, facts: FailFacts): boolean {
  if (rule.exit_codes !== undefined) {
    const code = facts.exit_code;
    if (code === undefined) return false;
    if (!rule.exit_codes.some((e) => rangeOf(e)[0] <= code && code <= rangeOf(e)[1])) return false;
  }
  if (rule.error_class !== undefined && facts.error_class !== rule.error_class) return false;
  if (rule.error_subtype !== undefined && facts.error_subtype !== rule.error_subtype) return false;
  if (rule.error_message !== undefined) {
    if (facts.error_message === undefined || !new RegExp(rule.error_message, 'u').test(facts.error_message))
      return false;
  }
  return true;
}

/** The index of the first rule the fail matches, or undefined when none does. */
export function matchRetryRule(policy: RetryPolicy, facts: FailFacts): number | undefined {
  const index = policy.rules.findIndex((rule) => matchesRule(rule, facts));
  return index === -1 ? undefined : index;
}

/** How long after the fail the `retry`-th retry (1 = the first) waits: delay × backoff^(retry−1), capped. */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
  const seconds = (policy.delay_seconds ?? 0) * (policy.backoff ?? 1) ** Math.max(0, retry - 1);
  return Math.round(Math.min(seconds, policy.max_delay_seconds ?? Infinity) * 1000);
}

/** One thing wrong with a retry policy, in the shape of a registry problem. */
export interface RetryProblem {
  readonly pipeline: string;
  readonly key: string;
  readonly reason: string;
}

/** What the schema cannot say about a pipeline's retry policy: ranges that run backwards, bad patterns. */
export function retryProblems(pipeline: string, policy: RetryPolicy | undefined): RetryProblem[] {
  if (policy === undefined) return [];
  const problems: RetryProblem[] = [];
  policy.rules.forEach((rule, i) => {
    (rule.exit_codes ?? []).forEach((entry, j) => {
      const [low, high] = rangeOf(entry);
      if (!(low <= high && high <= 255))
        problems.push({
          pipeline,
          key: `retry.rules[${i}].exit_codes[${j}]`,
          reason: 'must be a range low-high in 0-255',
        });
    });
    if (rule.error_message !== undefined) {
      try {
        new RegExp(rule.error_message, 'u');
      } catch (err) {
        problems.push({
          pipeline,
          key: `retry.rules[${i}].error_message`,
          reason: `is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }
  });
  return problems;
}
