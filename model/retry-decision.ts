import { v5 as uuidv5 } from 'uuid';
import { failFacts, matchRetryRule, retryDelayMs, type RetryPolicy } from '../registry/retry-policy.js';
import type { ApplyCommand, ApplySet } from '../ports/job-store.js';
import { PIPELINEJOBS_NAMESPACE } from './job-identity.js';
import type { HistoryEntry, JobDocument, JsonObject } from './job.js';

/** The `source` of the entries a pipeline's retry policy writes. */
export function policySource(pipeline: string): string {
  return `policy:${pipeline}`;
}

/** The steps a retry policy takes after one `fail`, each written once. */
export type RetryStepName = 'reset' | 'ready' | 'retries_exhausted';

/**
 * The id of a policy's step after the `fail` entry `failId`: fixed, so whichever manager writes it
 * (again, after a crash or a race) writes the same entry, and the store's idempotency keeps one.
 */
export function retryStepId(failId: string, step: RetryStepName): string {
  return uuidv5(`retry\n${failId}\n${step}`, PIPELINEJOBS_NAMESPACE);
}

/** What the policy does next about a job. */
export type RetryStep =
  | { readonly kind: 'none' }
  /** A retry is due at `at` (epoch ms): the fail's time plus the policy's delay. */
  | { readonly kind: 'wait'; readonly at: number }
  /** Write this entry (reset, ready or the `retries_exhausted` note). */
  | { readonly kind: 'write'; readonly command: ApplyCommand };

/** What the policy's entries carry in `data`: the fail they answer, the rule that matched, the attempt. */
interface PolicyData extends JsonObject {
  fail: string;
  rule: number;
  attempt: number;
}

function policyDataOf(entry: HistoryEntry): PolicyData | undefined {
  const data = entry.data;
  if (data === null || typeof data['fail'] !== 'string') return undefined;
  if (typeof data['rule'] !== 'number' || typeof data['attempt'] !== 'number') return undefined;
  return { ...data, fail: data['fail'], rule: data['rule'], attempt: data['attempt'] };
}

function commandOf(job: JobDocument, entry: HistoryEntry, set?: ApplySet): RetryStep {
  return {
    kind: 'write',
    command: {
      uuid: job.uuid,
      expected: { state: job.state, version: job.version },
      entry,
      ...(set !== undefined && { set }),
    },
  };
}

/**
 * The retry policy's next step for a job, a pure function of the job, its whole history (oldest
 * first, ending at `job.version`), the policy and the clock (docs/retries.md):
 *
 * - FAILED by a `fail` that matches a rule allowing retries: with budget left (attempts below
 *   `max_attempts`, the rule's retries below its `max_retries`) a `reset` once the delay has
 *   passed, else the `retries_exhausted` note;
 * - RESET by the policy's own `reset`: the `ready` that starts the next attempt (`set.attempts`);
 * - anything else: nothing.
 */
export function nextRetryStep(
  job: JobDocument,
  history: readonly HistoryEntry[],
  policy: RetryPolicy,
  now: Date,
): RetryStep {
  const last = history.at(-1);
  const source = policySource(job.pipeline);
  if (last === undefined || last.version !== job.version) return { kind: 'none' };
  const entry = (id: string, name: HistoryEntry['name'], state: HistoryEntry['state'], data: PolicyData) => ({
    id,
    name,
    date: now.toISOString(),
    data,
    source,
    state,
    version: job.version + 1,
  });
  if (job.state === 'RESET' && last.name === 'reset' && last.source === source) {
    const data = policyDataOf(last);
    if (data === undefined || last.id !== retryStepId(data.fail, 'reset')) return { kind: 'none' };
    return commandOf(job, entry(retryStepId(data.fail, 'ready'), 'ready', 'CREATED', data), { attempts: data.attempt });
  }
  if (job.state !== 'FAILED' || last.name !== 'fail') return { kind: 'none' };
  const rule = matchRetryRule(policy, failFacts(last.data));
  if (rule === undefined || policy.rules[rule]?.retry === false) return { kind: 'none' };
  const attempts = job.attempts ?? 1;
  const byRule = history.filter(
    (e) => e.name === 'reset' && e.source === source && policyDataOf(e)?.rule === rule,
  ).length;
  const ruleBudget = policy.rules[rule]?.max_retries;
  if (attempts >= policy.max_attempts || (ruleBudget !== undefined && byRule >= ruleBudget)) {
    const data = {
      fail: last.id,
      rule,
      attempt: attempts,
      max_attempts: policy.max_attempts,
      rule_retries: byRule,
      ...(ruleBudget !== undefined && { max_retries: ruleBudget }),
    };
    const note = entry(retryStepId(last.id, 'retries_exhausted'), 'retries_exhausted', 'FAILED', data);
    return commandOf(job, note, { retriesExhausted: note.date });
  }
  const at = Date.parse(last.date) + retryDelayMs(policy, attempts);
  if (now.getTime() < at) return { kind: 'wait', at };
  const data = { fail: last.id, rule, attempt: attempts + 1 };
  return commandOf(job, entry(retryStepId(last.id, 'reset'), 'reset', 'RESET', data));
}
