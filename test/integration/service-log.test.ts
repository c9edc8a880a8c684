import { randomUUID } from 'node:crypto';
import t from 'tap';
import { exited } from '../helpers/child-process.js';
import { startPjmService } from '../helpers/pjm-service.js';

const TOKEN = 'not-a-real-token-but-secret-all-the-same';

/** Refuses one event (a token for another job: 403) and stops the server; resolves with its log. */
async function refuseAndStop(
  child: Awaited<ReturnType<typeof startPjmService>>['child'],
  url: string,
): Promise<string[]> {
  const refused = await fetch(`${url}/events?uuid=${randomUUID()}&event=run&token=${TOKEN}`, { method: 'POST' });
  await refused.body?.cancel();
  child.kill('SIGTERM');
  await exited(child);
  return child.output().trimEnd().split('\n');
}

t.test(
  'PJM_LOG_FORMAT=pretty: readable lines, the refusal explained, the token redacted',
  { timeout: 120_000 },
  async (t) => {
    const { child, url } = await startPjmService(t, 'serve', { PJM_LOG_FORMAT: 'pretty' });
    const lines = await refuseAndStop(child, url);
    t.same(
      lines.filter((line) => !/^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR): /.test(line)),
      [],
      'every line is a readable one',
    );
    t.ok(
      lines.some((line) =>
        /INFO: request \{.*"status":403.*"code":"token_invalid","reason":"the token is not valid for job /.test(line),
      ),
      'the 403 says why',
    );
    t.ok(lines.some((line) => / INFO: stopped /.test(line)));
    t.notMatch(lines.join('\n'), TOKEN, 'the token is redacted');
  },
);

t.test('the default on a pipe (not a terminal) is JSON, one object per line', { timeout: 120_000 }, async (t) => {
  const { child, url } = await startPjmService(t, 'serve', { PJM_LOG_FORMAT: '' });
  const entries = (await refuseAndStop(child, url)).map((line) => JSON.parse(line) as Record<string, unknown>);
  t.match(
    entries.find((e) => e['msg'] === 'request' && e['status'] === 403),
    { code: 'token_invalid', reason: /not valid/, url: /token=%5Bredacted%5D/ },
  );
  t.notMatch(JSON.stringify(entries), TOKEN, 'the token is redacted');
});
