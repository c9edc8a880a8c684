import t from 'tap';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { startPjmService } from '../helpers/pjm-service.js';

// A real `pjm serve` (the embedded default: local bus, SQLite) with the example registry: an
// HR-S&I job is driven through its statuses over HTTP, in both forms of POST /events; a phase
// move its transition table forbids and an unknown word are refused and leave the job as it was.

const REGISTRY = new URL('../fixtures/registry/vocabularies.yaml', import.meta.url).pathname;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> & { error?: { code: string; message: string } };
}

async function call(url: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined && !path.startsWith('/events') && !path.startsWith('/callbacks') ? 'GET' : 'POST',
    ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

t.test('an HR-S&I job moves through its statuses over HTTP; a forbidden move changes nothing', async (t) => {
  const { url } = await startPjmService(t, 'serve', { PJM_PIPELINES: REGISTRY });
  const made = await call(url, '/jobs?wait=1', { pipeline: 'hrsi-fsc', data: { tile: '32TLR' } });
  t.equal(made.status, 201);
  const uuid = made.body['uuid'] as string;
  const token = made.body['token'] as string;

  const statuses = ['initialized', 'configured', 'ready', 'queued', 'started', 'pre_processing', 'processing'];
  for (const [i, status] of statuses.entries()) {
    // Both ways in: the JSON body, and the URL form a shell script's curl uses.
    const answer =
      i % 2 === 0
        ? await call(url, '/events?wait=1', { uuid, token, status })
        : await call(url, `/events?wait=1&uuid=${uuid}&token=${encodeURIComponent(token)}&status=${status}`);
    t.match(answer, { status: 200, body: { status: 'applied', version: i + 2 } }, status);
  }
  t.match((await call(url, `/jobs/${uuid}`)).body, { state: 'RUNNING', phase: 'processing', version: 8 });

  const before = (await call(url, `/jobs/${uuid}`)).body;
  const historyBefore = ((await call(url, `/jobs/${uuid}/history`)).body['history'] as unknown[]).length;
  const illegal = await call(url, '/events?wait=1', { uuid, token, status: 'queued' });
  t.match(illegal, {
    status: 409,
    body: { error: { code: 'illegal_transition', message: /does not allow phase "processing" → "queued"/ } },
  });
  const unknown = await call(url, '/events?wait=1', { uuid, token, status: 'procesing' });
  t.match(unknown, {
    status: 422,
    body: { error: { code: 'unknown_status', message: /status "procesing" is not a word of vocabulary hrsi/ } },
  });
  t.same((await call(url, `/jobs/${uuid}`)).body, before, 'state, phase, version and times unchanged');
  t.equal(((await call(url, `/jobs/${uuid}/history`)).body['history'] as unknown[]).length, historyBefore);

  for (const status of ['post_processing', 'processed', 'start_publication', 'published', 'done'])
    t.match(await call(url, '/events?wait=1', { uuid, token, status }), { status: 200 }, status);
  t.match((await call(url, `/jobs/${uuid}`)).body, { state: 'FINISHED', phase: 'done', version: 13 });
  const history = (await call(url, `/jobs/${uuid}/history`)).body['history'] as { name: string; phase?: string }[];
  t.same(
    history.slice(-3).map((e) => [e.name, e.phase]),
    [
      ['index', 'start_publication'],
      ['indexed', 'published'],
      ['finish', 'done'],
    ],
    'each history entry records the phase it set',
  );
  const listed = (await call(url, '/jobs?phase=done')).body['jobs'] as { uuid: string }[];
  t.same(
    listed.map((j) => j.uuid),
    [uuid],
    'GET /jobs filters by phase',
  );
  t.same((await call(url, '/jobs?phase=processing')).body['jobs'], []);
  const ls = spawnPjm(['ls', '--phase', 'done', '--json'], { PJM_URL: url });
  await exited(ls);
  t.match(JSON.parse(ls.output().trim()), { uuid, phase: 'done' }, 'pjm ls --phase');
});

t.test(
  'the built-in Agave vocabulary gives callbacks a phase; a word for a pipeline without one is refused',
  async (t) => {
    const { url } = await startPjmService(t, 'serve', { PJM_PIPELINES: REGISTRY, PJM_PIPELINES_STRICT: 'false' });
    const made = await call(url, '/jobs?wait=1', { pipeline: 'tapis-app', data: { app: 'x' } });
    const uuid = made.body['uuid'] as string;
    const token = encodeURIComponent(made.body['token'] as string);
    t.match(await call(url, `/callbacks/agave?wait=1&uuid=${uuid}&token=${token}&status=QUEUED`), { status: 200 });
    t.match((await call(url, `/jobs/${uuid}`)).body, { state: 'CREATED', phase: 'QUEUED' });
    t.match(await call(url, `/callbacks/agave?wait=1&uuid=${uuid}&token=${token}&status=HEARTBEAT`), { status: 200 });
    t.match((await call(url, `/jobs/${uuid}`)).body, { phase: 'QUEUED', version: 3 }, 'a heartbeat keeps the phase');
    t.match(await call(url, `/events?wait=1&uuid=${uuid}&token=${token}&status=running`), {
      status: 200,
      body: { state: 'RUNNING' },
    });
    t.match((await call(url, `/jobs/${uuid}`)).body, { phase: 'RUNNING' }, 'POST /events reads Agave words too');

    const plain = await call(url, '/jobs?wait=1', { pipeline: 'unlisted', data: {} });
    const refused = await call(url, '/events?wait=1', {
      uuid: plain.body['uuid'],
      token: plain.body['token'],
      status: 'RUNNING',
    });
    t.match(refused, { status: 422, body: { error: { code: 'unknown_status', message: /has no status vocabulary/ } } });
  },
);
