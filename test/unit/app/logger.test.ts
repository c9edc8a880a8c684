import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { createLogger, createPrettyLogger } from '../../../app/logger.js';
import { redactUrl } from '../../../protocol/redact-url.js';

t.test('tokens, nonces, secrets and credentials never reach the log', async (t) => {
  const sink = new PassThrough();
  const lines: string[] = [];
  sink.on('data', (b: Buffer) => lines.push(...b.toString().trim().split('\n')));
  const logger = createLogger('info', sink);
  logger.info(
    {
      token: 'tok-123',
      event: { token: 'tok-456', nonce: 'n-1' },
      secret: 's',
      req: { headers: { authorization: 'Bearer abc' } },
    },
    'event applied',
  );
  await new Promise((r) => setImmediate(r));
  const text = lines.join('\n');
  for (const secret of ['tok-123', 'tok-456', 'n-1', 'Bearer abc', '"s"'])
    t.notMatch(text, secret, `${secret} redacted`);
  t.match(text, '[redacted]');
  t.match(text, 'event applied');
  t.equal(redactUrl('amqp://user:pw@host:5672/vh?x=1', { dropQuery: true }), 'amqp://host:5672/vh');
});

t.test(
  'the pretty format: one readable line per entry, secrets redacted as in JSON, pino-pretty loaded only then',
  async (t) => {
    const loaded = (): boolean =>
      Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes(`${sep}pino-pretty${sep}`));
    createLogger('info', new PassThrough()).info('json first');
    t.notOk(loaded(), 'the JSON logger does not load pino-pretty');
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (b: Buffer) => (text += b.toString()));
    const logger = await createPrettyLogger('info', sink);
    t.ok(loaded(), 'the pretty logger does');
    logger
      .child({ role: 'serve' })
      .info({ token: 'tok-123', event: { nonce: 'n-1' }, status: 403, code: 'token_invalid' }, 'request');
    logger.warn({ secret: 's3cr3t' }, 'careful');
    const lines = text.trimEnd().split('\n');
    t.equal(lines.length, 2, 'written at once, one line each');
    t.match(lines[0], /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request \{.*"status":403.*"code":"token_invalid"/);
    t.match(lines[1], /^\[[\d:.]+\] WARN: careful /);
    for (const secret of ['tok-123', 'n-1', 's3cr3t']) t.notMatch(text, secret, `${secret} redacted`);
    t.match(text, '[redacted]');
    t.notMatch(text, /\u001b\[/, 'no colour codes unless asked');
  },
);
