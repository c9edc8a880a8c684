import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import t from 'tap';
import { EXIT } from '../../../cli/command.js';
import { main } from '../../../cli/main.js';
import { capture } from '../../helpers/capture.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}, stdin?: NodeJS.ReadableStream) {
  const out = capture();
  const err = capture();
  const code = await main(args, { stdout: out.stream, stderr: err.stream, env, ...(stdin !== undefined && { stdin }) });
  return { code, out: out.text(), err: err.text() };
}

/** A port nothing listens on: a command that gets this far would exit 4 (unreachable). */
const NOWHERE = { PJM_URL: 'http://127.0.0.1:1' };
const UUID = '0b6c2f6e-9d1a-5c3e-8f00-123456789abc';

const COMMANDS = [
  'serve',
  'manager',
  'bridge',
  'create',
  'send',
  'show',
  'ls',
  'history',
  'claim',
  'watch',
  'token',
  'nonce',
  'dead',
  'pipelines',
  'fsm',
  'slurm-mail',
];

t.test("pjm --help and every command's --help", async (t) => {
  const top = await run(['--help']);
  t.equal(top.code, 0);
  t.matchSnapshot(top.out, 'pjm --help');
  for (const name of COMMANDS) t.match(top.out, new RegExp(`\\n  ${name} `), `${name} is listed`);
  for (const name of COMMANDS) {
    const help = await run([name, '--help']);
    t.equal(help.code, 0, `${name} --help exits 0`);
    t.matchSnapshot(help.out, `pjm ${name} --help`);
  }
  t.equal((await run([])).code, 2, 'no command is a usage error');
});

t.test('a bad flag, an unreachable server and a refused event: one line and a non-zero exit', async (t) => {
  const badFlag = await run(['ls', '--colour']);
  t.equal(badFlag.code, 2);
  t.match(badFlag.err, /^pjm ls: .*--colour.*\(see pjm ls --help\)\n$/);
  const unknown = await run(['frobnicate']);
  t.equal(unknown.code, 2);
  t.equal(unknown.err, 'pjm: unknown command "frobnicate" (see pjm --help)\n');
  const unreachable = await run(['show', '0b6c2f6e-9d1a-5c3e-8f00-123456789abc'], { PJM_URL: 'http://127.0.0.1:1' });
  t.equal(unreachable.code, 4);
  t.match(unreachable.err, /^pjm show: cannot reach the pjm server at http:\/\/127\.0\.0\.1:1: .*\n$/);
  t.equal(unreachable.err.split('\n').length, 2, 'one line, no stack');
  const badEnv = await run(['ls'], { PJM_URL: 'ftp://x' });
  t.equal(badEnv.code, 2, 'invalid configuration is a usage error');
  t.equal(badEnv.err.split('\n').length, 2);
  const badData = await run(['create', 'p', '--data', '[1]']);
  t.equal(badData.code, 2);
  t.match(badData.err, /--data must be a JSON object/);
});

t.test('pjm --version and -V print the package version', async (t) => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  for (const flag of ['--version', '-V']) t.same(await run([flag]), { code: 0, out: `${version}\n`, err: '' }, flag);
});

t.test('the main help lists every exit code', async (t) => {
  const help = (await run(['--help'])).out;
  for (const [name, code] of Object.entries(EXIT))
    t.match(help, new RegExp(`\\n  ${code} +\\S`), `${name} (${code}) is explained`);
});

t.test(
  'pjm ls: --state in any case, a bad state lists the states, times as dates, date-times or durations',
  async (t) => {
    t.equal((await run(['ls', '--state', 'finished,Running'], NOWHERE)).code, 4, 'lower and mixed case pass the CLI');
    const bad = await run(['ls', '--state', 'finished,done'], NOWHERE);
    t.equal(bad.code, 2);
    t.equal(
      bad.err,
      'pjm ls: --state: "DONE" is not a state; the states are CREATED, RUNNING, FAILED, FINISHED, INDEXING, ' +
        'VALIDATING, VALIDATED, REJECTED, FINALIZED, RETIRED, RESET, CANCELLED (any case, comma-separated) ' +
        '(see pjm ls --help)\n',
    );
    for (const since of ['2026-12-02', '2026-12-02T14:30', '2026-12-02 14:30:05+01:00', '24h']) {
      t.equal(
        (await run(['ls', '--since', since, '--updated-since', since], NOWHERE)).code,
        4,
        `--since ${since} is accepted`,
      );
    }
    t.match(
      (await run(['ls', '--state', 'done,Finised'], NOWHERE)).err,
      /^pjm ls: --state: "DONE", "FINISED" are not states; the states are /,
    );
    const badTime = await run(['ls', '--updated-since', 'yesterday'], NOWHERE);
    t.equal(badTime.code, 2);
    t.match(
      badTime.err,
      new RegExp(
        '^pjm ls: --updated-since "yesterday" is not a date \\(2026-12-02\\), a date-time .* ' +
          'or a duration back from now \\(90s, 30m, 24h, 7d\\)',
      ),
    );
  },
);

t.test('pjm send: no token is a usage error before any call, unless an admin bearer token is configured', async (t) => {
  const missing = await run(['send', UUID, 'run'], NOWHERE);
  t.equal(missing.code, 2, 'exit 2, not 4: the server was never called');
  t.match(missing.err, /^pjm send: --token is required/);
  t.equal((await run(['send', UUID, 'run', '--token', ''], NOWHERE)).code, 2, 'an empty token is no token');
  const admin = { ...NOWHERE, PJM_API_TOKENS: 'a'.repeat(32) };
  t.equal((await run(['send', UUID, 'run'], admin)).code, 4, 'an admin may omit the token: the server mints one');
  t.equal((await run(['send', UUID, 'reset'], admin)).code, 4);
  const notAdmin = await run(['send', UUID, 'reset', '--token', 'x'], NOWHERE);
  t.equal(notAdmin.code, 2, 'reset and ready need the admin token whatever the job token');
  t.match(notAdmin.err, /^pjm send: reset is an admin event: set PJM_API_TOKENS/);
});

t.test('--data reads JSON, @FILE or - (standard input)', async (t) => {
  const noFile = await run(['create', 'p', '--data', '@/nonexistent/data.json'], NOWHERE);
  t.equal(noFile.code, 2);
  t.match(noFile.err, /^pjm create: --data @\/nonexistent\/data\.json: cannot read \/nonexistent\/data\.json: ENOENT/);
  const dir = t.testdir({ 'good.json': '{"sample": 1}', 'bad.json': '{"sample":' });
  t.equal((await run(['create', 'p', '--data', `@${dir}/good.json`], NOWHERE)).code, 4, 'a JSON file passes');
  t.match(
    (await run(['create', 'p', '--data', `@${dir}/bad.json`], NOWHERE)).err,
    `--data is not JSON: ${dir}/bad.json`,
  );
  t.equal(
    (await run(['send', UUID, 'run', '--token', 't', '--data', '-'], NOWHERE, Readable.from(['{"a"', ': 1}']))).code,
    4,
    'JSON on stdin passes',
  );
  t.match(
    (await run(['send', UUID, 'run', '--token', 't', '--data', '-'], NOWHERE, Readable.from(['[1]']))).err,
    /--data must be a JSON object/,
  );
  t.match(
    (await run(['send', UUID, 'run', '--token', 't', '--data', '-'], NOWHERE)).err,
    /--data -: there is no standard input to read/,
  );
});
