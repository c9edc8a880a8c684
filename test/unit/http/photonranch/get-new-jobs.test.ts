import Fastify, { type FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { ApiTokens } from '../../../../http/auth/api-tokens.js';
import { RateLimiter } from '../../../../http/auth/rate-limiter.js';
import { SenderAuth } from '../../../../http/auth/sender-auth.js';
import type { BridgeContext } from '../../../../http/bridge/bridge-context.js';
import { EventPublisher } from '../../../../http/bridge/event-publisher.js';
import { installErrorHandling } from '../../../../http/error-handler.js';
import { registerGetNewJobs } from '../../../../http/photonranch/get-new-jobs.js';
import { newNonce } from '../../../../model/nonce-value.js';
import { PipelineCatalog } from '../../../../registry/pipeline-catalog.js';
import { ADMIN_TOKEN, startHttpRig, type HttpRig } from '../../../helpers/http-rig.js';

const REMOTE = '198.51.100.4';

/** The route on its own fastify instance, over the rig's real store, bus and manager. */
async function photonRanch(t: Test): Promise<{ rig: HttpRig; app: FastifyInstance }> {
  const rig = await startHttpRig({ manager: true });
  const context: BridgeContext = {
    tokens: rig.tokens,
    jobs: rig.store,
    auth: new SenderAuth({ tokens: new ApiTokens([ADMIN_TOKEN]), nonces: rig.nonces, requireSender: false }),
    limiter: new RateLimiter({ perSecond: 100, burst: 100 }),
    publisher: new EventPublisher(rig.bus, 5000),
    limits: {},
    clock: () => new Date(),
    pipelines: new PipelineCatalog(),
  };
  const app = Fastify();
  installErrorHandling(app);
  registerGetNewJobs(app, context, '/photonranch');
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await rig.close();
  });
  return { rig, app };
}

async function newJob(rig: HttpRig, site: string, action: string, queue?: string): Promise<string> {
  const res = await rig.app.inject({
    method: 'POST',
    url: '/jobs?wait=1',
    remoteAddress: REMOTE,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    payload: {
      pipeline: 'photonranch',
      site,
      ...(queue !== undefined && { queue }),
      data: {
        site,
        deviceType: 'camera',
        deviceInstance: 'camera1',
        action,
        user_name: 'Ada',
        user_id: 'google-oauth2|1',
        optional_params: {},
        required_params: { time: 3 },
      },
    },
  });
  return res.json<{ uuid: string }>().uuid;
}

t.test('getnewjobs receives each unread job once, marks it RECEIVED, in the seed shape', async (t) => {
  const { rig, app } = await photonRanch(t);
  const first = await newJob(rig, 'saf', 'expose');
  const second = await newJob(rig, 'saf', 'focus');
  const replica = await newJob(rig, 'saf', 'park', 'replica');
  const { value: key, record } = newNonce({ scope: 'claim', site: 'saf' }, new Date());
  await rig.nonces.create(record);
  const poll = (payload: Record<string, unknown>, nonce: string | undefined = key) =>
    app.inject({
      method: 'POST',
      url: '/photonranch/getnewjobs',
      remoteAddress: REMOTE,
      payload,
      ...(nonce !== undefined && { headers: { 'x-nonce': nonce } }),
    });

  const got = await poll({ site: 'saf' });
  t.equal(got.statusCode, 200);
  const items = got.json<Array<Record<string, unknown>>>();
  t.same(
    items.map((i) => i['uuid']),
    [first, second],
  );
  const job = await rig.store.get(first);
  t.match(items[0], {
    site: 'saf',
    ulid: job?.ulid,
    statusId: `RECEIVED#${job?.ulid}`,
    deviceType: 'camera',
    deviceInstance: 'camera1',
    action: 'expose',
    user_name: 'Ada',
    required_params: { time: 3 },
    timestamp_ms: Date.parse(job?.created ?? ''),
    token: /\S+/,
  });
  t.equal(job?.phase, 'RECEIVED', 'the job records the phase');
  t.match((await rig.store.history(first)).at(-1), { name: 'claim', phase: 'RECEIVED' }, 'in the claim note');
  t.same((await poll({ site: 'saf' })).json(), [], 'a job is received once');
  const alternate = (await poll({ site: 'saf', alternateQueue: true })).json<Array<Record<string, unknown>>>();
  t.match(alternate, [{ uuid: replica, replicaStatusId: /^RECEIVED#/ }], 'the replica queue on its own');

  const other = newNonce({ scope: 'claim', site: 'mrc' }, new Date());
  await rig.nonces.create(other.record);
  const foreign = await poll({ site: 'saf' }, other.value);
  t.equal(foreign.statusCode, 403);
  t.equal(foreign.json<{ error: { code: string } }>().error.code, 'site_forbidden');
  const anonymous = await app.inject({ method: 'POST', url: '/photonranch/getnewjobs', payload: { site: 'saf' } });
  t.equal(anonymous.statusCode, 401, 'the site key is required, even from loopback');
});
