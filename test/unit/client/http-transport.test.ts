import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { HttpTransport, VerdictTimeoutError } from '../../../client/index.js';

const UUID = '0b9b9c0e-6f6e-5d3c-9a4b-1c2d3e4f5a6b';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown> | undefined;
}

type Handler = (seen: Seen, res: ServerResponse, count: number) => void;

/** A stand-in bridge: records every request and answers with `handler`. */
async function stub(t: Test, handler: Handler): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const entry: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
      };
      seen.push(entry);
      handler(entry, res, seen.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

const event = {
  uuid: UUID,
  token: 'tok',
  name: 'run' as const,
  id: '7d444840-9dc0-4c3b-9f2a-2b1e6f0a1c11',
  data: { host: 'n1' },
};

t.test('503 and network-level retries re-send the same event id; credentials go in headers', async (t) => {
  const bridge = await stub(t, (_seen, res, count) => {
    if (count < 3)
      json(res, 503, { error: { code: 'bus_unavailable', message: 'down', details: {} } }, { 'retry-after': '0' });
    else json(res, 200, { eventId: event.id, uuid: UUID, status: 'applied', state: 'RUNNING', version: 2 });
  });
  const transport = new HttpTransport({ url: `${bridge.url}/`, bearer: 'admin-token-0123456789abcdef', nonce: 'n.s' });
  t.same(await transport.send(event), { state: 'RUNNING', duplicate: false, version: 2 });
  t.equal(bridge.seen.length, 3);
  for (const seen of bridge.seen) {
    t.equal(seen.url, '/events?wait=1');
    t.same(seen.body, { uuid: UUID, name: 'run', token: 'tok', id: event.id, data: { host: 'n1' } });
    t.equal(seen.headers.authorization, 'Bearer admin-token-0123456789abcdef');
    t.equal(seen.headers['x-nonce'], 'n.s');
  }
});

t.test('retries run out: the last refusal is thrown with its code', async (t) => {
  const bridge = await stub(t, (_seen, res) =>
    json(
      res,
      503,
      { error: { code: 'bus_unavailable', message: 'down', details: { retryAfterSeconds: 0 } } },
      { 'retry-after': '0' },
    ),
  );
  const transport = new HttpTransport({ url: bridge.url, retries: 2 });
  await t.rejects(transport.send(event), {
    name: 'PipelineJobsError',
    code: 'bus_unavailable',
    details: { uuid: UUID, eventId: event.id },
  });
  t.equal(bridge.seen.length, 3, 'one call and two retries');
});

t.test('a refusal carries the bridge code; 4xx is not retried', async (t) => {
  const bridge = await stub(t, (_seen, res) =>
    json(res, 409, {
      error: { code: 'illegal_transition', message: 'cancel not allowed in RUNNING', details: { state: 'RUNNING' } },
    }),
  );
  const transport = new HttpTransport({ url: bridge.url });
  await t.rejects(transport.send({ ...event, name: 'cancel' }), {
    code: 'illegal_transition',
    message: 'cancel not allowed in RUNNING',
    details: { state: 'RUNNING', uuid: UUID },
  });
  t.equal(bridge.seen.length, 1);
});

t.test('202 pending: the transport polls the history until the event id shows up', async (t) => {
  let polls = 0;
  const bridge = await stub(t, (seen, res) => {
    if (seen.method === 'POST') return json(res, 202, { eventId: event.id, uuid: UUID, status: 'pending' });
    polls++;
    const history = [{ id: 'c0ffee00-0000-5000-8000-000000000000', name: 'create', state: 'CREATED', version: 1 }];
    if (polls >= 3) history.push({ id: event.id.toUpperCase(), name: 'run', state: 'RUNNING', version: 2 });
    json(res, 200, { uuid: UUID, state: polls >= 3 ? 'RUNNING' : 'CREATED', version: history.length, history });
  });
  const transport = new HttpTransport({ url: bridge.url, timeoutMs: 5000 });
  t.same(await transport.send(event), { state: 'RUNNING', duplicate: false, version: 2 });
  t.equal(polls, 3);
  t.equal(bridge.seen[1]?.url, `/jobs/${UUID}/history`);
});

t.test('pending past the deadline is a VerdictTimeoutError naming the event', async (t) => {
  const bridge = await stub(t, (seen, res) => {
    if (seen.method === 'POST') return json(res, 202, { eventId: event.id, uuid: UUID, status: 'pending' });
    json(res, 200, { uuid: UUID, state: 'CREATED', version: 1, history: [] });
  });
  const transport = new HttpTransport({ url: bridge.url, timeoutMs: 400 });
  const started = Date.now();
  const err = await transport.send(event).catch((e: unknown) => e);
  t.ok(err instanceof VerdictTimeoutError);
  t.match(err, { code: 'verdict_timeout', uuid: UUID, event: 'run', eventId: event.id });
  t.ok(Date.now() - started < 2000, 'bounded by timeoutMs');
});

t.test('an unreachable bridge is bus_unavailable; a page that is not JSON is internal_error', async (t) => {
  // Port 1 (tcpmux) is closed on any host that runs these tests: the connection is refused.
  const closed = new HttpTransport({ url: 'http://127.0.0.1:1', retries: 1 });
  await t.rejects(closed.send(event), { code: 'bus_unavailable', message: /cannot reach the bridge/ });
  const proxy = await stub(t, (_seen, res) => res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>oops</h1>'));
  await t.rejects(new HttpTransport({ url: proxy.url }).send(event), {
    code: 'internal_error',
    message: /unexpected answer: HTTP 500/,
  });
});

t.test('create answers uuid, token, callbacks; 200 means it existed; close() stops later calls', async (t) => {
  const callbacks = {
    events: 'http://x/events',
    agave: { url: 'http://x/callbacks/agave', notifications: [] },
    slurm: { url: 'http://x/callbacks/slurm', sbatch: [] },
  };
  const bridge = await stub(t, (seen, res, count) =>
    json(res, count === 1 ? 201 : 200, {
      uuid: UUID,
      token: 'tok',
      pipeline: seen.body?.['pipeline'],
      archivePath: '/products/v2/p/x',
      eventId: 'e',
      callbacks,
      status: count === 1 ? 'applied' : 'duplicate',
      state: 'CREATED',
      version: 1,
    }),
  );
  const transport = new HttpTransport({ url: bridge.url });
  const request = { pipeline: 'p', data: { a: 1 }, owner: 'me' };
  t.match(await transport.create(request), {
    uuid: UUID,
    token: 'tok',
    state: 'CREATED',
    existed: false,
    archivePath: '/products/v2/p/x',
    callbacks,
  });
  t.match(await transport.create(request), { existed: true });
  t.same(bridge.seen[0]?.body, request);
  t.equal(bridge.seen[0]?.url, '/jobs?wait=1');
  await transport.close();
  await t.rejects(transport.create(request), { code: 'bus_unavailable', message: /closed/ });
});
