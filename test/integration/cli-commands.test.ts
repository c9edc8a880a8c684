import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { main } from '../../cli/main.js';
import { builtPjm } from '../helpers/built-pjm.js';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { capture } from '../helpers/capture.js';
import { freePort } from '../helpers/free-port.js';

t.test('create, send, show, ls, history and watch against a running pjm serve', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-cli-'));
  const port = await freePort();
  // No PJM_URL: the client commands find the server by the variable it listens by.
  const env = { PJM_HTTP_PORT: String(port), PJM_DATA_DIR: dir };
  const base = `http://127.0.0.1:${port}`;
  const serve = spawnPjm(['serve'], { ...env, PJM_LOG_LEVEL: 'warn', PJM_WAIT_TIMEOUT_MS: '3000' });
  t.teardown(async () => {
    serve.kill('SIGTERM');
    await exited(serve);
    rmSync(dir, { recursive: true, force: true });
  });
  const pjm = async (args: string[], stdin?: NodeJS.ReadableStream) => {
    const out = capture();
    const err = capture();
    const code = await main(args, {
      stdout: out.stream,
      stderr: err.stream,
      env,
      ...(stdin !== undefined && { stdin }),
    });
    return { code, out: out.text(), err: err.text() };
  };
  for (
    let i = 0;
    i < 150 &&
    (await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    )) === false;
    i++
  )
    await sleep(100);

  const watchOut = capture();
  const watchErr = capture();
  const watching = main(['watch', '--pipeline', 'cli-demo'], { stdout: watchOut.stream, stderr: watchErr.stream, env });
  await sleep(300);

  writeFileSync(join(dir, 'data.json'), '{"sample": 1}');
  const created = await pjm(['create', 'cli-demo', '--data', `@${join(dir, 'data.json')}`]);
  t.equal(created.code, 0, created.err);
  const [uuid, token] = created.out.trim().split('\t');
  t.match(uuid, /^[0-9a-f-]{36}$/);
  const again = await pjm(['create', 'cli-demo', '--data', '{"sample": 1}']);
  t.equal(
    again.out,
    created.out.replace(token!, again.out.trim().split('\t')[1]!),
    'same job uuid: --data @FILE gave the same data',
  );
  t.match(again.err, /already existed/);

  const ran = await pjm(['send', uuid!, 'run', '--token', token!, '--data', '-'], Readable.from(['{"host": "n1"}']));
  t.same([ran.code, ran.out], [0, 'RUNNING\n'], ran.err);
  const refused = await pjm(['send', uuid!, 'cancel', '--token', token!]);
  t.equal(refused.code, 3, 'a refused event exits 3');
  t.match(refused.err, /^pjm send: illegal_transition: .*\n$/);
  const badToken = await pjm(['send', uuid!, 'finish', '--token', 'nope']);
  t.equal(badToken.code, 3);
  t.match(badToken.err, /^pjm send: token_invalid: /);
  t.same([(await pjm(['send', uuid!, 'finish', '--token', token!])).out], ['FINISHED\n']);

  const shown = await pjm(['show', uuid!]);
  t.match(shown.out, /^uuid: +[0-9a-f-]{36}\npipeline: +cli-demo\nstate: +FINISHED\nversion: +3\n/);
  const json = JSON.parse((await pjm(['show', uuid!, '--json'])).out) as {
    state: string;
    created: string;
    updated: string;
  };
  t.equal(json.state, 'FINISHED');
  const listed = await pjm(['ls', '--pipeline', 'cli-demo']);
  t.match(
    listed.out,
    `UUID                                  PIPELINE  STATE     VERSION  CREATED                   UPDATED\n${uuid}  cli-demo  FINISHED  3        ${json.created}  ${json.updated}\n`,
  );
  const today = json.created.slice(0, 10);
  for (const filters of [
    ['--state', 'finished'],
    ['--state', 'Running,FINISHED'],
    ['--since', today],
    ['--updated-since', '1h'],
    ['--updated-since', json.updated],
    ['--until', json.created],
  ]) {
    t.match(
      (await pjm(['ls', '--pipeline', 'cli-demo', ...filters])).out,
      uuid!,
      `ls ${filters.join(' ')} finds the job`,
    );
  }
  for (const filters of [
    ['--state', 'running'],
    ['--since', '2999-01-01'],
    ['--updated-until', today],
  ]) {
    t.equal(
      (await pjm(['ls', '--pipeline', 'cli-demo', ...filters])).out.split('\n').length,
      2,
      `ls ${filters.join(' ')}: the header alone`,
    );
  }
  const history = await pjm(['history', uuid!]);
  t.match(
    history.out,
    /VERSION +DATE +EVENT +STATE +SOURCE +DATA\n1 .* create +CREATED +http .*\n2 .* run +RUNNING +cli +\{"host":"n1"\}\n3 .* finish +FINISHED +cli/,
  );
  const missing = await pjm(['show', '0b6c2f6e-9d1a-5c3e-8f00-123456789abc']);
  t.equal(missing.code, 3);
  t.match(missing.err, /^pjm show: unknown_job: /);

  for (let i = 0; i < 50 && watchOut.text().split('\n').length < 4; i++) await sleep(100);
  t.match(
    watchOut.text(),
    new RegExp(`${uuid}  cli-demo  NONE → CREATED  \\(create, v1\\)\\n.*RUNNING → FINISHED  \\(finish, v3\\)`, 's'),
    'watch printed the changes live',
  );
  process.emit('SIGINT');
  t.equal(await watching, 0, 'watch stops cleanly on Ctrl-C');

  t.test('finish before run: pending, exit 5, says what it waits for, and applies once run arrives', async (t) => {
    const [early, earlyToken] = (await pjm(['create', 'cli-demo', '--data', '{"sample": 2}'])).out.trim().split('\t');
    const finish = await pjm(['send', early!, 'finish', '--token', earlyToken!]);
    t.equal(finish.code, 5, 'pending has its own exit code');
    t.match(finish.out, /^pending [0-9a-f-]{36}\n$/);
    t.match(
      finish.err,
      new RegExp(
        `^pjm send: pending: event [0-9a-f-]{36} is on the bus but not applied yet: job ${early} is CREATED and finish needs run first: the manager retries it .* or dead-letters it \\(illegal_transition\\)`,
      ),
    );
    t.equal((await pjm(['send', early!, 'run', '--token', earlyToken!])).code, 0);
    let state = '';
    for (let i = 0; i < 150 && state !== 'FINISHED'; i++, await sleep(100))
      state = (JSON.parse((await pjm(['show', early!, '--json'])).out) as { state: string }).state;
    t.equal(state, 'FINISHED', 'the deferred finish applied after run');
  });

  t.test('a reader that closes early (| head -1): exit 141, no stack trace', async (t) => {
    const built = builtPjm();
    if ('stale' in built) {
      t.fail(built.stale);
      return;
    }
    // More than a pipe holds (64 KiB), and more than fits on a command line: --data - reads stdin.
    const big = JSON.stringify({ blob: 'x'.repeat(200_000) });
    const made = spawnSync(process.execPath, [built.bin, 'create', 'cli-big', '--data', '-'], {
      env: { ...process.env, PJM_URL: '', ...env },
      input: big,
      encoding: 'utf8',
    });
    t.equal(made.status, 0, made.stderr);
    const bigUuid = made.stdout.split('\t')[0]!;
    const cases: Array<[string, string[], string]> = [
      ['head -1', ['show', bigUuid], `uuid:         ${bigUuid}\n`],
      ['head -c 9', ['ls', '--pipeline', 'cli-big', '--json'], '{"uuid":"'],
    ];
    for (const [reader, args, head] of cases) {
      const piped = spawnSync(
        'bash',
        ['-c', `set -o pipefail; "$0" "$@" | ${reader}`, process.execPath, built.bin, ...args],
        { env: { ...process.env, PJM_URL: '', ...env }, encoding: 'utf8' },
      );
      t.equal(piped.stderr, '', `pjm ${args[0]} | ${reader}: nothing on stderr`);
      t.equal(piped.status, 141, 'the status of a tool cut off by SIGPIPE');
      t.equal(piped.stdout, head, `${reader} printed what it read`);
    }
  });
});

t.test('no manager behind the bridge: create and send exit 5 (pending) and say so', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-cli-bridge-'));
  const port = await freePort();
  const env = { PJM_HTTP_PORT: String(port), PJM_DATA_DIR: dir };
  const bridge = spawnPjm(['bridge'], { ...env, PJM_LOG_LEVEL: 'warn', PJM_WAIT_TIMEOUT_MS: '500' });
  t.teardown(async () => {
    bridge.kill('SIGTERM');
    await exited(bridge);
    rmSync(dir, { recursive: true, force: true });
  });
  for (
    let i = 0;
    i < 150 &&
    (await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    )) === false;
    i++
  )
    await sleep(100);
  const pjm = async (...args: string[]) => {
    const out = capture();
    const err = capture();
    const code = await main(args, { stdout: out.stream, stderr: err.stream, env });
    return { code, out: out.text(), err: err.text() };
  };
  const created = await pjm('create', 'no-manager');
  t.equal(created.code, 5);
  const [uuid, token] = created.out.trim().split('\t');
  t.match(token, /\S{20,}/, 'the uuid and token are printed all the same');
  t.match(created.err, /^pjm create: pending: .* no manager applied it within the wait; .*is a manager running\?\)\n$/);
  const sent = await pjm('send', uuid!, 'run', '--token', token!);
  t.equal(sent.code, 5);
  t.match(
    sent.err,
    new RegExp(
      `^pjm send: pending: event \\S+ is on the bus but not applied yet: job ${uuid} does not exist \\(yet\\): the manager retries it`,
    ),
  );
});
