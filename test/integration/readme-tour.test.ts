import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { exited } from '../helpers/child-process.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';
import { freePort } from '../helpers/free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The README's tour section. */
function tourSection(readme: string): string {
  const start = readme.indexOf('\n## A five-minute tour');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The `sh` blocks of the README's tour section, in order. */
export function tourBlocks(readme: string): string[] {
  return [...tourSection(readme).matchAll(/\n```sh\n([\s\S]*?)\n```/g)].map((m) => m[1] ?? '');
}

/** The tour's commands that start the tracker "in another terminal" (inline code ending in `npx pjm serve`). */
export function tourServeCommands(readme: string): string[] {
  return [...tourSection(readme).matchAll(/`((?:[A-Z_]+=\S+ )*npx pjm serve)`/g)].map((m) => m[1] ?? '');
}

const amqp = serviceUrl('PJM_TEST_AMQP_URL');

t.test(
  'the README tour runs verbatim against pjm serve and ends where it says',
  { skip: 'skip' in amqp ? amqp.skip : false, timeout: 240_000 },
  async (t) => {
    if (!('url' in amqp)) return;
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = tourBlocks(readme);
    t.ok(blocks.length >= 8, `${blocks.length} shell blocks in the tour`);
    // The tour's AMQP step needs the server that also takes events from RabbitMQ.
    const serveCommand = tourServeCommands(readme).find((command) => command.includes('PJM_AMQP_URL='));
    if (serveCommand === undefined) throw new Error('the tour names no `PJM_AMQP_URL=… npx pjm serve` command');
    // `npx pjm` runs the built CLI (bin/pjm.js → dist/), as after `npm install`.
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });

    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'pjm-tour-'));
    // What a newcomer's shells hold, plus only what moves this run out of the way of others on the
    // same machine and broker (its port, files and queue names): nothing the commands would need.
    // PJM_URL is what the tour's first block derives, for this port.
    const newcomer = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root' };
    const relocated = { PJM_HTTP_PORT: String(port), PJM_DATA_DIR: dir, PJM_AMQP_PREFIX: uniqueName('pjmtour') };
    const env = { ...newcomer, PJM_URL: `http://127.0.0.1:${port}`, PJM_AMQP_PREFIX: relocated.PJM_AMQP_PREFIX };
    // Its own process group, stopped as Ctrl-C stops it in a terminal: npx and the server it starts.
    const serve = spawn('bash', ['-c', serveCommand], {
      cwd: ROOT,
      env: { ...newcomer, ...relocated },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let serveOutput = '';
    serve.stdout.on('data', (b: Buffer) => (serveOutput = (serveOutput + b.toString()).slice(-20_000)));
    serve.stderr.on('data', (b: Buffer) => (serveOutput = (serveOutput + b.toString()).slice(-20_000)));
    t.teardown(async () => {
      if (serve.pid !== undefined && serve.exitCode === null) process.kill(-serve.pid, 'SIGINT');
      await exited(serve);
      rmSync(dir, { recursive: true, force: true });
    });
    for (
      let i = 0;
      i < 300 &&
      serve.exitCode === null &&
      !(await fetch(`${env.PJM_URL}/healthz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    )
      await sleep(100);
    if (serve.exitCode !== null) t.comment(serveOutput);
    t.equal(serve.exitCode, null, `\`${serveCommand}\` starts as the README says, with nothing else set`);

    const script = ['set -euo pipefail', ...blocks].join('\n\n');
    const shell = spawn('bash', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    shell.stdout.on('data', (b: Buffer) => (output += b.toString()));
    shell.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const code = await exited(shell);
    if (code !== 0) t.comment(output);
    t.equal(code, 0, "the tour's blocks all succeed");

    const jobs = (await (await fetch(`${env.PJM_URL}/jobs?limit=100`)).json()) as {
      jobs: Array<{ uuid: string; pipeline: string; state: string; version: number }>;
    };
    const byPipeline = new Map(jobs.jobs.map((j) => [j.pipeline, j]));
    t.match(
      byPipeline.get('demo'),
      { state: 'FINISHED', version: 6 },
      'demo: FINISHED with six entries, as the README says',
    );
    t.match(byPipeline.get('fcs-etl'), { state: 'FINISHED' }, 'the Agave job is FINISHED');
    for (let i = 0; i < 50 && byPipeline.get('slurm-demo')?.state !== 'FINISHED'; i++) {
      await sleep(100);
      const job = (await (await fetch(`${env.PJM_URL}/jobs/${byPipeline.get('slurm-demo')?.uuid ?? ''}`)).json()) as {
        state: string;
        pipeline: string;
        uuid: string;
        version: number;
      };
      byPipeline.set('slurm-demo', job);
    }
    t.match(byPipeline.get('slurm-demo'), { state: 'FINISHED' }, 'the Slurm job is FINISHED');
    const history = (await (
      await fetch(`${env.PJM_URL}/jobs/${byPipeline.get('demo')?.uuid ?? ''}/history`)
    ).json()) as { history: Array<{ name: string; source: string }> };
    t.same(
      history.history.map((h) => `${h.name}/${h.source}`),
      ['create/http', 'run/http', 'update/http', 'update/cli', 'update/amqp', 'finish/http'],
    );
  },
);
