import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { startHttpRig } from '../../helpers/http-rig.js';
import { createJob } from '../../helpers/jobs.js';

async function listening() {
  const rig = await startHttpRig({ waitTimeoutMs: 30_000 });
  await rig.app.listen({ host: '127.0.0.1', port: 0 });
  return { rig, url: `http://127.0.0.1:${(rig.app.server.address() as AddressInfo).port}` };
}

/** Milliseconds `app.close()` (plus whatever else is given) takes. */
async function timed(work: Promise<unknown>): Promise<number> {
  const started = Date.now();
  await work;
  return Date.now() - started;
}

t.test(
  'closing the app ends open /changes streams instead of waiting for their clients',
  { timeout: 20_000 },
  async (t) => {
    const { rig, url } = await listening();
    t.teardown(() => rig.close());
    const ended = new Promise<string>((resolve, reject) => {
      request(`${url}/changes`, (res) => {
        let text = '';
        res.on('data', (b: Buffer) => (text += b.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    // The stream is open once the server has counted the connection.
    for (
      let i = 0;
      i < 100 && (await new Promise<number>((resolve) => rig.app.server.getConnections((_e, n) => resolve(n)))) === 0;
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    const ms = await timed(Promise.all([rig.app.close(), ended]));
    t.ok(ms < 2000, `close took ${ms} ms with a /changes client attached`);
    t.match(await ended, ': subscribed', 'the client saw its stream open, then end');
  },
);

t.test(
  'closing the app answers a waiting ?wait=1 call 202 pending at once (the event is on the bus)',
  { timeout: 20_000 },
  async (t) => {
    const { rig, url } = await listening();
    t.teardown(() => rig.close());
    const job = await createJob(rig.store, { pipeline: 'close' });
    const token = rig.tokens.issue(job.uuid, new Date());
    // No manager runs: the event stays on the bus and no verdict ever comes.
    const answer = fetch(`${url}/events?uuid=${job.uuid}&token=${token}&event=run&wait=1`, { method: 'POST' });
    await new Promise((r) => setTimeout(r, 300));
    const ms = await timed(rig.app.close());
    const response = await answer;
    t.ok(ms < 2000, `close took ${ms} ms with a ?wait=1 call in flight`);
    t.equal(response.status, 202);
    t.match(await response.json(), { uuid: job.uuid, status: 'pending' });
  },
);
