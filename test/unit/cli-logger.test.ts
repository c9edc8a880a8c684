import { PassThrough } from 'node:stream';
import t from 'tap';
import { createLogger, safeUrl } from '../../cli/logger.js';

t.test('tokens, nonces, secrets and credentials never reach the log', async (t) => {
  const sink = new PassThrough();
  const lines: string[] = [];
  sink.on('data', (b: Buffer) => lines.push(...b.toString().trim().split('\n')));
  const logger = createLogger('info', sink);
  logger.info({ token: 'tok-123', event: { token: 'tok-456', nonce: 'n-1' }, secret: 's', req: { headers: { authorization: 'Bearer abc' } } }, 'event applied');
  await new Promise((r) => setImmediate(r));
  const text = lines.join('\n');
  for (const secret of ['tok-123', 'tok-456', 'n-1', 'Bearer abc', '"s"']) t.notMatch(text, secret, `${secret} redacted`);
  t.match(text, '[redacted]');
  t.match(text, 'event applied');
  t.equal(safeUrl('amqp://user:pw@host:5672/vh?x=1'), 'amqp://host:5672/vh');
});
