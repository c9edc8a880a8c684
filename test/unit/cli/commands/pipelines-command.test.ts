import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main } from '../../../../cli/main.js';
import { capture } from '../../../helpers/capture.js';

const fixture = (name: string): string => new URL(`../../../fixtures/registry/${name}`, import.meta.url).pathname;

async function pjm(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const out = capture();
  const err = capture();
  const code = await main(args, { stdout: out.stream, stderr: err.stream, env });
  return { code, out: out.text(), err: err.text() };
}

t.test('pjm pipelines validate: a good file in either form, a bad one exits 2 naming each problem', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-pipelines-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const native = await pjm({}, 'pipelines', 'validate', fixture('pipelines.yaml'));
  t.equal(native.code, 0, native.err);
  t.match(native.out, /pipelines\.yaml: valid \(pipelines form\), 2 pipeline\(s\): ap, reduce/);
  t.match(
    (await pjm({}, 'pipelines', 'validate', fixture('rubin-job-specs.yaml'))).out,
    /valid \(Rubin job_specs\.yaml form\), 1 pipeline\(s\): ap/,
  );
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'pipelines:\n  ap:\n    shema: {}\n  b:\n    schema: {type: nope}\n');
  const refused = await pjm({}, 'pipelines', 'validate', bad);
  t.equal(refused.code, 2);
  t.match(
    refused.err,
    /invalid_registry: invalid pipeline registry .*bad\.yaml: pipeline "ap": key "shema" is not a known key/,
  );
  t.equal(refused.out, '');
  t.equal((await pjm({}, 'pipelines', 'validate')).code, 2, 'no file: usage error');
  t.equal((await pjm({}, 'pipelines', 'frobnicate')).code, 2);
});

t.test('pjm pipelines ls and show read PJM_PIPELINES', async (t) => {
  const env = { PJM_PIPELINES: fixture('pipelines.yaml') };
  const listed = await pjm(env, 'pipelines', 'ls');
  t.equal(listed.code, 0, listed.err);
  t.match(listed.out, /^NAME\s+SCHEMA\s+ENV\s+DESCRIPTION\nap\s+yes\s+AP_REPO,AP_CALIB\s+Alert production/);
  t.match(listed.out, /\nreduce\s+-\s+-\s+Any data goes\.\n$/);
  const json = JSON.parse((await pjm(env, 'pipelines', 'ls', '--json')).out) as { name: string; hasSchema: boolean }[];
  t.same(
    json.map((p) => [p.name, p.hasSchema]),
    [
      ['ap', true],
      ['reduce', false],
    ],
  );
  const shown = await pjm(env, 'pipelines', 'show', 'ap');
  t.equal(shown.code, 0);
  t.match(JSON.parse(shown.out), { name: 'ap', env: ['AP_REPO', 'AP_CALIB'], schema: { required: ['visit', 'ccd'] } });
  const missing = await pjm(env, 'pipelines', 'show', 'nope');
  t.equal(missing.code, 1);
  t.match(missing.err, /no pipeline nope in .*pipelines\.yaml; known: ap, reduce/);
  const none = await pjm({}, 'pipelines', 'ls');
  t.equal(none.code, 0);
  t.match(none.err, /no pipeline registry/);
});
