import t from 'tap';
import { newNonce } from '../../model/nonce-value.js';
import { ADMIN_TOKEN, startHttpRig } from '../helpers/http-rig.js';

t.test('admin-only: reset/ready and nonce management need a bearer token', async (t) => {
  const r = await startHttpRig({ manager: true });
  t.teardown(() => r.close());
  const created = (await r.app.inject({ method: 'POST', url: '/jobs?wait=1', payload: { pipeline: 'adm' } })).json<{
    uuid: string;
    token: string;
  }>();
  const reset = await r.app.inject({
    method: 'POST',
    url: `/events?uuid=${created.uuid}&token=${created.token}&event=reset`,
  });
  t.equal(reset.statusCode, 401);
  t.match(reset.json(), { error: { code: 'credentials_missing' } });
  const all = newNonce({ scope: 'all' }, new Date());
  await r.nonces.create(all.record);
  const byNonce = await r.app.inject({
    method: 'POST',
    url: `/events?uuid=${created.uuid}&token=${created.token}&event=reset&x-nonce=${all.value}`,
  });
  t.equal(byNonce.statusCode, 403);
  t.match(byNonce.json(), { error: { code: 'forbidden', details: { need: 'admin' } } });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const byAdmin = await r.app.inject({
    method: 'POST',
    url: `/events?uuid=${created.uuid}&event=reset&wait=1`,
    headers: admin,
  });
  t.match(byAdmin.json(), { status: 'applied', state: 'RESET' }, 'an admin needs no job token');
  const ready = await r.app.inject({
    method: 'POST',
    url: `/events?wait=1`,
    headers: admin,
    payload: { uuid: created.uuid, name: 'ready' },
  });
  t.match(ready.json(), { state: 'CREATED' });

  t.equal(
    (await r.app.inject({ method: 'GET', url: '/nonces' })).statusCode,
    401,
    'listing nonces without credentials',
  );
  t.equal((await r.app.inject({ method: 'POST', url: '/nonces', payload: { scope: 'events' } })).statusCode, 401);
  const made = await r.app.inject({
    method: 'POST',
    url: '/nonces',
    headers: admin,
    payload: { scope: 'events', maxUses: 5, ttlSeconds: 3600, label: 'slurm cluster' },
  });
  t.equal(made.statusCode, 201);
  const body = made.json<{ value: string; id: string; hash: string; maxUses: number }>();
  t.match(body.value, /^[0-9a-f]{16}\.[A-Za-z0-9_-]{32}$/);
  const listed = (await r.app.inject({ url: '/nonces', headers: admin })).json<{
    nonces: Array<Record<string, unknown>>;
  }>();
  t.match(
    listed.nonces.find((n) => n['id'] === body.id),
    { scope: 'events', maxUses: 5, uses: 0, label: 'slurm cluster', hash: body.hash },
  );
  t.notMatch(JSON.stringify(listed), body.value.split('.')[1]!, 'the secret part is never stored or listed');
  t.equal((await r.app.inject({ method: 'DELETE', url: `/nonces/${body.id}`, headers: admin })).statusCode, 200);
  t.equal(
    (await r.app.inject({ method: 'DELETE', url: `/nonces/${body.id}`, headers: admin })).statusCode,
    404,
    'revoking twice',
  );
});
