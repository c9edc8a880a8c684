import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { exited } from '../helpers/child-process.js';
import { startPjmService } from '../helpers/pjm-service.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The "Client demo" section of docs/rubin.md: its registry (the yaml block) and its `sh` blocks, in order. */
export function demoOf(doc: string): { registry: string; blocks: string[] } {
  const section = doc.slice(doc.indexOf('\n## Client demo'));
  const registry = /\n```yaml\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (registry === undefined) throw new Error('docs/rubin.md: the client demo names no registry');
  return { registry, blocks: [...section.matchAll(/\n```sh\n([\s\S]*?)\n```/g)].map((m) => m[1] ?? '') };
}

t.test("docs/rubin.md's client demo runs as written against pjm serve", { timeout: 120_000 }, async (t) => {
  const { registry, blocks } = demoOf(readFileSync(join(ROOT, 'docs', 'rubin.md'), 'utf8'));
  t.ok(blocks.length >= 5, `${blocks.length} shell blocks`);
  const dir = mkdtempSync(join(tmpdir(), 'pjm-rubin-demo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'job_specs.yaml'), `${registry}\n`);
  // `pjm` as an installed binary would be on PATH, run from the sources.
  mkdirSync(join(dir, 'bin'));
  const shim = join(dir, 'bin', 'pjm');
  writeFileSync(shim, `#!/bin/sh\ncd '${ROOT}' && exec '${process.execPath}' --import tsx cli/pjm.ts "$@"\n`);
  chmodSync(shim, 0o755);
  const { url } = await startPjmService(t, 'serve', { PJM_PIPELINES: join(dir, 'job_specs.yaml') });

  const script = ['set -euo pipefail', ...blocks].join('\n\n');
  const shell = spawn('bash', ['-c', script], {
    cwd: dir,
    env: { PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, API: `${url}/api/v1`, PJM_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  shell.stdout.on('data', (b: Buffer) => (output += b.toString()));
  shell.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const code = await exited(shell);
  if (code !== 0) t.comment(output);
  t.equal(code, 0, 'every block succeeds');
  const lines = output.split('\n');
  t.ok(lines.includes('["ap"]'), 'schema/all lists ap');
  t.ok(lines.includes('{"status":"error","message":"Missing arguments type, env, log_dir"}'), 'no arguments: 400');
  t.ok(
    lines.includes(
      '{"status":"error","code":"missing_env","message":"request.data.env lacks the variable AP_FILTER ' +
        'that pipeline \\"ap\\" needs"}',
    ),
    'one variable missing: named',
  );
  t.match(output, /\{"status":"ok","msg":"job created","job_id":"[0-9a-f]{32}","cluster_id":null\}/);
  t.ok(lines.includes('{"state":"queued","trackerState":"CREATED"}'), 'queued after create');
  t.ok(lines.includes('"executing"'), 'executing after run');
  t.match(output, /\{"state":"completed","timeCompleted":"\d{4}-\d\d-\d\dT[\d:.]+Z"\}/);
  t.match(output, /state:\s+FINISHED/, 'pjm show reads the job by its job_id');
  t.ok(lines.includes('{"msg":"job cancelled","state":"aborted"}'), 'DELETE cancels');
  const all = (await (await fetch(`${url}/api/v1/job/list/all`)).json()) as { jobs: { state: string }[] };
  t.same(all.jobs.map((j) => j.state).sort(), ['aborted', 'completed'], 'two jobs: the refused ones made none');
});
