import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../../app/logger.js';
import { startHttpRig } from '../../helpers/http-rig.js';
import { createJob } from '../../helpers/jobs.js';

/** A pino logger whose JSON lines land in `lines`. */
function logSink(level: 'info' | 'debug' = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().trim().split('\n')) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

t.test('413 answers state the limit, and the size when the request declared it', async (t) => {
  const rig = await startHttpRig({ bodyLimit: 1000 });
  t.teardown(() => rig.close());
  const sized = await rig.app.inject({
    method: 'POST',
    url: '/events',
    payload: Buffer.alloc(5000, 0x20),
    headers: { 'content-type': 'application/json' },
  });
  t.equal(sized.statusCode, 413);
  t.match(sized.json(), {
    error: {
      code: 'payload_too_large',
      message: /5000 bytes, over the limit of 1000/,
      details: { limit: 1000, size: 5000 },
    },
  });

  // Chunked: no size is declared, and the server stops reading at the limit.
  await rig.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = rig.app.server.address() as AddressInfo;
  const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/events',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      },
      (res) => {
        let body = '';
        res.on('data', (b: Buffer) => (body += b.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write(Buffer.alloc(500, 0x20));
    req.end();
  });
  t.equal(chunked.status, 413);
  const body = JSON.parse(chunked.body) as {
    error: { code: string; message: string; details: Record<string, unknown> };
  };
  t.match(body.error, { code: 'payload_too_large', message: /over the limit of 1000 bytes/, details: { limit: 1000 } });
  t.notOk('size' in body.error.details, 'no size claimed when none was declared');
});

t.test("the request's log line carries the error code and message of a refusal", async (t) => {
  const { logger, lines } = logSink('debug');
  const rig = await startHttpRig({ logger, bodyLimit: 1000 });
  t.teardown(() => rig.close());
  const job = await createJob(rig.store, { pipeline: 'logs' });
  const token = rig.tokens.issue(job.uuid, new Date());
  await rig.app.inject({ method: 'POST', url: `/events?uuid=${job.uuid}&event=run` });
  await rig.app.inject({ method: 'POST', url: `/events?uuid=${job.uuid}&event=run&token=${token}x` });
  await rig.app.inject({
    method: 'POST',
    url: '/events',
    payload: Buffer.alloc(5000, 0x20),
    headers: { 'content-type': 'application/json' },
  });
  await rig.app.inject({
    method: 'POST',
    url: '/events',
    payload: `{"a": tru "${token}"}`,
    headers: { 'content-type': 'application/json' },
  });
  await rig.app.inject({ url: `/jobs/${job.uuid}` });
  await new Promise((resolve) => setImmediate(resolve));
  const requests = lines.filter((l) => l['msg'] === 'request');
  t.match(requests, [
    { status: 401, code: 'token_missing', reason: /a token is required/ },
    { status: 403, code: 'token_invalid', reason: /not valid for job/ },
    { status: 413, code: 'payload_too_large', reason: /over the limit of 1000/ },
    { status: 400, code: 'malformed_json' },
    { status: 200 },
  ]);
  t.notOk('reason' in (requests[3] ?? {}), "the JSON parser's message, which may quote the body, is not logged");
  t.notOk('code' in (requests[4] ?? {}), 'a success has no error code');
  t.notOk(JSON.stringify(lines).includes(token), 'the token, even inside a malformed body, stays out of the log');
});

t.test('at info a refused request is logged and an answered one is not; at debug both are', async (t) => {
  for (const level of ['info', 'debug'] as const) {
    const { logger, lines } = logSink(level);
    const rig = await startHttpRig({ logger });
    const job = await createJob(rig.store, { pipeline: 'logs' });
    await rig.app.inject({ method: 'POST', url: `/events?uuid=${job.uuid}&event=run` });
    await rig.app.inject({ url: `/jobs/${job.uuid}` });
    await rig.close();
    await new Promise((resolve) => setImmediate(resolve));
    const statuses = lines.filter((l) => l['msg'] === 'request').map((l) => l['status']);
    t.same(statuses, level === 'info' ? [401] : [401, 200], level);
  }
});
