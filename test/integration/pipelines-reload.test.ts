import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { startPjmService, type PjmProcess } from '../helpers/pjm-service.js';

// A real `pjm serve` with PJM_PIPELINES: the registry is enforced, a SIGHUP reloads it in place,
// and a bad file on reload is refused with a log line while the old registry stays in use.

async function create(
  url: string,
  pipeline: string,
  data: Record<string, unknown>,
): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${url}/jobs?wait=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pipeline, data }),
  });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, ...(body.error !== undefined && { code: body.error.code }) };
}

/** Waits until the child's output holds `count` matches of `pattern`. */
async function logged(child: PjmProcess, pattern: RegExp, count = 1): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if ((child.output().match(new RegExp(pattern.source, 'g')) ?? []).length >= count) return true;
    await sleep(50);
  }
  return false;
}

t.test('SIGHUP reloads the registry; a bad file is refused and the old one kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-registry-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'pipelines.yaml');
  writeFileSync(file, 'pipelines:\n  ap:\n    schema: {type: object, required: [visit]}\n');
  const { child, url } = await startPjmService(t, 'serve', { PJM_PIPELINES: file, PJM_LOG_FORMAT: 'json' });
  t.ok(await logged(child, /pipeline registry loaded/), 'the start logs the registry');

  t.same(await create(url, 'ap', { visit: 1 }), { status: 201 }, 'a listed pipeline with good data is created');
  t.same(await create(url, 'ap', {}), { status: 400, code: 'schema_violation' });
  t.same(
    await create(url, 'other', {}),
    { status: 422, code: 'unknown_pipeline' },
    'strict by default with a registry',
  );

  // Creates in flight while the file is read again: every one is answered, none is lost.
  // (Two SIGHUPs sent at once may arrive as one: the second waits for the first's log line.)
  const burst = Array.from({ length: 40 }, (_, i) => create(url, 'ap', { visit: 100 + i }));
  child.kill('SIGHUP');
  t.ok(await logged(child, /pipeline registry reloaded/, 1), 'a reload during the burst');
  child.kill('SIGHUP');
  t.ok(await logged(child, /pipeline registry reloaded/, 2), 'and another');
  t.same(
    new Set((await Promise.all(burst)).map((r) => r.status)),
    new Set([201]),
    'all 40 creates made across the reloads',
  );

  writeFileSync(file, 'pipelines:\n  ap: {description: [unclosed\n');
  child.kill('SIGHUP');
  t.ok(await logged(child, /pipeline registry reload refused/), 'the refusal is logged');
  t.match(child.output(), /invalid pipeline registry .*pipelines\.yaml: is not valid YAML/, 'naming the file and why');
  t.equal(child.exitCode, null, 'still running');
  t.same(await create(url, 'ap', { visit: 2 }), { status: 201 }, 'the old registry is still in use');
  t.same(await create(url, 'ap', {}), { status: 400, code: 'schema_violation' }, 'with its schema');

  writeFileSync(file, 'type:\n  other:\n    script: run.sh\n    env: [A]\n');
  child.kill('SIGHUP');
  t.ok(await logged(child, /pipeline registry reloaded/, 3), 'a good file is taken');
  t.same(
    await create(url, 'other', { any: true, env: { A: 'a' } }),
    { status: 201 },
    'the new registry (Rubin form) lists other',
  );
  t.same(await create(url, 'ap', { visit: 3 }), { status: 422, code: 'unknown_pipeline' }, 'and no longer ap');
  const listed = (await (await fetch(`${url}/pipelines`)).json()) as { pipelines: { name: string }[] };
  t.same(
    listed.pipelines.map((p) => p.name),
    ['other'],
  );
});

t.test('a bad registry at start refuses the start, naming the file, the pipeline and the key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-registry-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'pipelines.yaml');
  writeFileSync(file, 'pipelines:\n  ap:\n    shema: {type: object}\n');
  const child = spawnPjm(['serve'], { PJM_DATA_DIR: dir, PJM_HTTP_PORT: '0', PJM_PIPELINES: file });
  const code = await exited(child);
  t.equal(code, 2, 'the process exits 2, as for invalid configuration');
  t.match(child.output(), /invalid pipeline registry .*pipelines\.yaml: pipeline "ap": key "shema" is not a known key/);
  t.notMatch(child.output(), /HTTP API at/, 'nothing was served');
});
