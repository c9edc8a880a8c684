import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import t from 'tap';
import { main } from '../../../cli/main.js';
import {
  MAILPROG_BUDGET_MS,
  SCONTROL_TIMEOUT_MS,
  SLURMCTLD_MAILPROG_TIMEOUT_MS,
  deliver,
  deliveryBudget,
  endedArrayTasks,
  slurmVariables,
} from '../../../cli/slurm-mail.js';
import { parseSlurmTracking, redactSlurmTracking, slurmTrackingComment } from '../../../protocol/slurm-tracking.js';
import { capture } from '../../helpers/capture.js';

const UUID = '0b6c2f6e-9d1a-5c3e-8f00-123456789abc';
const TOKEN = 'tp3zn2.VVeiLh4K9JGrcWgwCiHA81wa68T-zs6WmkrwU23tipo';

t.test('the tracking comment round-trips, is found among other words, and redacts', (t) => {
  const comment = slurmTrackingComment(UUID, TOKEN);
  t.same(parseSlurmTracking(comment), { uuid: UUID, token: TOKEN });
  t.same(parseSlurmTracking(`run 4 ${comment} nightly`), { uuid: UUID, token: TOKEN });
  t.equal(parseSlurmTracking('pjm:not-a-uuid:x'), undefined);
  t.equal(parseSlurmTracking(undefined), undefined);
  t.equal(parseSlurmTracking(`xpjm:${UUID}:${TOKEN}`), undefined, 'only a whole word');
  t.equal(redactSlurmTracking(`run 4 ${comment}`), `run 4 pjm:${UUID}:[redacted]`);
  t.same(slurmVariables({ SLURM_JOB_ID: '3', SLURM_JOB_COMMENT: comment, PATH: '/bin', HOME: '/x' }), {
    SLURM_JOB_ID: '3',
    SLURM_JOB_COMMENT: `pjm:${UUID}:[redacted]`,
  });
  t.end();
});

t.test('pjm slurm-mail: untracked jobs are left alone; a missing subject is a usage error', async (t) => {
  const out = capture();
  const err = capture();
  t.equal(
    await main(['slurm-mail', '-s', 'Slurm Job_id=1 Name=wrap Began, Queued time 00:00:00', 'someone'], {
      stdout: out.stream,
      stderr: err.stream,
      env: { SLURM_JOB_ID: '1', SLURM_JOB_COMMENT: 'nightly' },
    }),
    0,
  );
  t.match(err.text(), /no pjm:<uuid>:<token> comment/);
  const usage = capture();
  t.equal(await main(['slurm-mail', 'someone'], { stdout: out.stream, stderr: usage.stream, env: {} }), 2);
  t.match(usage.text(), /-s "<subject>" is required/);
});

t.test('an ARRAY_TASKS array has ended when every task slurmctld lists has an end state', (t) => {
  const fixture = (name: string) => readFileSync(new URL(`../../fixtures/slurm/${name}`, import.meta.url), 'utf8');
  t.equal(endedArrayTasks(fixture('scontrol-array-running.txt')), undefined, 'task 2 still PENDING');
  const ended = fixture('scontrol-array-ended.txt');
  t.same(
    endedArrayTasks(ended),
    new Map([
      ['2', 'COMPLETED'],
      ['1', 'FAILED'],
      ['0', 'COMPLETED'],
    ]),
  );
  t.equal(
    endedArrayTasks(ended.replace('JobState=FAILED', 'JobState=COMPLETING')),
    undefined,
    'a task still completing',
  );
  t.equal(endedArrayTasks(ended.replace('ArrayTaskId=2 ', 'ArrayTaskId=2-5%1 ')), undefined, 'a line of pending tasks');
  t.equal(endedArrayTasks(''), undefined);
  t.end();
});

t.test('pjm slurm-mail gives up on a bridge that never answers within its budget', async (t) => {
  t.ok(
    SLURMCTLD_MAILPROG_TIMEOUT_MS - MAILPROG_BUDGET_MS >= 30_000,
    'the budget leaves 30 s for Node to start before slurmctld kills the MailProg',
  );
  t.ok(
    MAILPROG_BUDGET_MS - 2 * SCONTROL_TIMEOUT_MS >= 60_000,
    'and a minute of delivery attempts after the scontrol look-ups',
  );
  const attempts: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    attempts.push(Date.now());
    // Half the attempts get a 503, half hang until the attempt times out.
    if (attempts.length % 2 === 1) res.writeHead(503).end('{"code":"unavailable"}');
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  const start = Date.now();
  const result = await deliver(`http://127.0.0.1:${port}/callbacks/slurm`, '{}', {
    deadline: start + 3000,
    attemptTimeoutMs: 800,
    firstDelayMs: 100,
    maxDelayMs: 400,
  });
  const took = Date.now() - start;
  t.match(result, { ok: false, retry: true });
  t.ok(took <= 3000 + 250, `ended by the deadline (took ${took} ms)`);
  t.ok(attempts.length >= 3, `retried (${attempts.length} attempts)`);
  t.same(deliveryBudget(1234), { deadline: 1234, attemptTimeoutMs: 10_000, firstDelayMs: 1000, maxDelayMs: 16_000 });
});
