import t from 'tap';
import { parseRegistry } from '../../../registry/parse-registry.js';
import { retryDelayMs } from '../../../registry/retry-policy.js';

function refusal(text: string): string {
  try {
    parseRegistry(text, 'reg.yaml');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('no refusal');
}

const head = 'pipelines:\n  ap:\n    retry:\n';

t.test('a retry policy is read as written and shown by the registry', async (t) => {
  const registry = parseRegistry(
    `${head}      max_attempts: 3\n      delay_seconds: 5\n      rules:\n        - {exit_codes: [2, "100-199"]}\n` +
      '        - {error_class: external, max_retries: 2}\n',
    'reg.yaml',
  );
  t.same(registry.get('ap')?.retry, {
    max_attempts: 3,
    delay_seconds: 5,
    rules: [{ exit_codes: [2, '100-199'] }, { error_class: 'external', max_retries: 2 }],
  });
});

t.test('bad policies are refused naming file, pipeline and key', async (t) => {
  t.match(
    refusal(`${head}      rules: [{exit_codes: [2]}]\n`),
    /reg\.yaml: pipeline "ap": key "retry.max_attempts" is required/,
  );
  t.match(
    refusal(`${head}      max_attempts: 0\n      rules: [{exit_codes: [2]}]\n`),
    /pipeline "ap": key "retry.max_attempts" must be >= 1/,
  );
  t.match(
    refusal(`${head}      max_attempts: 2\n      rules: [{exit_codes: ["49-10"]}]\n`),
    /pipeline "ap": key "retry.rules\[0\].exit_codes\[0\]" must be a range low-high in 0-255/,
  );
  t.match(
    refusal(`${head}      max_attempts: 2\n      rules: [{error_class: fatal}]\n`),
    /key "retry.rules\[0\].error_class" must be one of: internal, external/,
  );
  t.match(
    refusal(`${head}      max_attempts: 2\n      rules: [{error_message: "("}]\n`),
    /key "retry.rules\[0\].error_message" is not a valid regular expression/,
  );
  t.match(
    refusal(`${head}      max_attempts: 2\n      rules: [{exit_code: 2}]\n`),
    /key "retry.rules\[0\].exit_code" is not a known key/,
  );
});

t.test('delays: delay × backoff^(retry − 1), capped', async (t) => {
  const policy = { max_attempts: 5, delay_seconds: 2, backoff: 3, max_delay_seconds: 10, rules: [{}] };
  t.same(
    [1, 2, 3].map((n) => retryDelayMs(policy, n)),
    [2000, 6000, 10_000],
  );
  t.equal(retryDelayMs({ max_attempts: 2, rules: [{}] }, 1), 0, 'no delay by default');
});
