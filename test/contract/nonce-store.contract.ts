import { createHash, randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import type { NonceRecord, NonceScope, NonceStore, NonceUseResult } from '../../ports/nonce-store.js';

/**
 * Makes a fresh, initialised, empty store and a function that disposes of it. `open`, when the
 * storage can be shared, opens (and initialises) one more store on the same storage, so races
 * also run across connections; the suite closes what it opens.
 */
export type NonceStoreFactory = () => Promise<{
  store: NonceStore;
  dispose: () => Promise<void>;
  open?: () => Promise<NonceStore>;
}>;

const T0 = new Date('2026-03-01T12:00:00.000Z');

function at(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

/** A record as `model/nonce-value.ts` makes one: the store sees the hash, never the value. */
function nonce(overrides: Partial<NonceRecord> = {}): { record: NonceRecord; value: string } {
  const id = randomBytes(8).toString('hex');
  const value = `${id}.${randomBytes(24).toString('base64url')}`;
  const record: NonceRecord = {
    id,
    hash: createHash('sha256').update(value).digest('hex'),
    scope: 'events',
    uses: 0,
    created: T0.toISOString(),
    ...overrides,
  };
  return { record, value };
}

function outcomes(results: readonly NonceUseResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
  return counts;
}

async function listed(store: NonceStore, id: string): Promise<NonceRecord | undefined> {
  return (await store.list()).find((record) => record.id === id);
}

/** The NonceStore contract: every adapter must pass all of it unchanged. */
export function nonceStoreContract(t: Test, makeStore: NonceStoreFactory): void {
  async function setup(t: Test): Promise<{ store: NonceStore; open?: () => Promise<NonceStore> }> {
    const { store, dispose, open } = await makeStore();
    t.teardown(dispose);
    if (open === undefined) return { store };
    return {
      store,
      open: async () => {
        const other = await open();
        t.teardown(() => other.close());
        return other;
      },
    };
  }

  t.test('init twice; create and list round-trip every field, newest first, revoked included', async (t) => {
    const { store } = await setup(t);
    await store.init();
    await store.init();
    t.same(await store.list(), [], 'a new store has no nonces');
    const old = nonce({ created: at(-60_000).toISOString(), scope: 'create', label: 'agave app v2', maxUses: 10 });
    const mid = nonce({ created: at(-30_000).toISOString(), scope: 'all', expires: at(3_600_000).toISOString() });
    const young = nonce({ created: T0.toISOString() });
    await store.create(mid.record);
    await store.create(young.record);
    await store.create(old.record);
    t.equal(await store.revoke(mid.record.id, T0), true);
    const list = await store.list();
    t.same(
      list.map((r) => r.id),
      [young.record.id, mid.record.id, old.record.id],
      'newest first by creation date, whatever the insertion order',
    );
    t.same(list[2], old.record, 'every field comes back as given');
    t.same(
      list[1],
      { ...mid.record, revoked: T0.toISOString() },
      'a revoked nonce is listed, with its revocation date',
    );
    t.same(list[0], young.record, 'optional fields stay absent');
    t.notOk(
      'label' in (list[0] ?? {}) ||
        'maxUses' in (list[0] ?? {}) ||
        'expires' in (list[0] ?? {}) ||
        'revoked' in (list[0] ?? {}),
    );
  });

  t.test('create refuses an existing id and leaves the nonce unchanged', async (t) => {
    const { store } = await setup(t);
    const first = nonce({ label: 'first', maxUses: 2 });
    await store.create(first.record);
    t.match(await store.use(first.record.id, first.record.hash, T0), { outcome: 'accepted' });
    const again = nonce({ label: 'second' });
    await t.rejects(store.create({ ...again.record, id: first.record.id }), /already exists/);
    await t.rejects(store.create(first.record), /already exists/, 'even the very same record');
    t.same(await store.list(), [{ ...first.record, uses: 1 }], 'one nonce, the first, its use still counted');
  });

  t.test('create refuses a record that is not a new nonce', async (t) => {
    const { store } = await setup(t);
    await t.rejects(store.create({ ...nonce().record, uses: 1 }), { code: 'schema_violation' }, 'uses must start at 0');
    await t.rejects(store.create(nonce({ maxUses: 0 }).record), { code: 'schema_violation' }, 'maxUses is positive');
    await t.rejects(
      store.create(nonce({ maxUses: 1.5 }).record),
      { code: 'schema_violation' },
      'maxUses is an integer',
    );
    await t.rejects(
      store.create(nonce({ expires: 'tomorrow' }).record),
      { code: 'schema_violation' },
      'expires is a date',
    );
    await t.rejects(
      store.create(nonce({ scope: 'admin' as NonceScope }).record),
      { code: 'schema_violation' },
      'scope is known',
    );
    t.same(await store.list(), []);
  });

  t.test('a site key (scope claim) keeps its site; a site goes with scope claim only', async (t) => {
    const { store } = await setup(t);
    const key = nonce({ scope: 'claim', site: 'ogg' });
    await store.create(key.record);
    t.match(await listed(store, key.record.id), { scope: 'claim', site: 'ogg' }, 'listed with its site');
    t.match(await store.use(key.record.id, key.record.hash, T0), { outcome: 'accepted', nonce: { site: 'ogg' } });
    await t.rejects(store.create(nonce({ scope: 'claim' }).record), { code: 'schema_violation' }, 'claim needs a site');
    await t.rejects(
      store.create(nonce({ scope: 'events', site: 'ogg' }).record),
      { code: 'schema_violation' },
      'only claim has a site',
    );
  });

  t.test('revoke: true once, then false; false for an unknown id', async (t) => {
    const { store } = await setup(t);
    const { record } = nonce();
    await store.create(record);
    t.equal(await store.revoke(record.id, at(1000)), true);
    t.equal(await store.revoke(record.id, at(2000)), false, 'a second revoke changes nothing');
    t.equal(await store.revoke('0123456789abcdef', at(3000)), false, 'unknown id');
    t.equal((await listed(store, record.id))?.revoked, at(1000).toISOString(), 'the first revocation date stays');
  });

  t.test('an accepted use counts, and the answer shows the count including it', async (t) => {
    const { store } = await setup(t);
    const { record } = nonce({ maxUses: 5, expires: at(60_000).toISOString(), label: 'slurm' });
    await store.create(record);
    const first = await store.use(record.id, record.hash, T0);
    t.same(first, { outcome: 'accepted', nonce: { ...record, uses: 1 } });
    t.match(await store.use(record.id, record.hash, at(1)), { outcome: 'accepted', nonce: { uses: 2 } });
    t.equal((await listed(store, record.id))?.uses, 2, 'list shows the uses');
  });

  t.test('a wrong hash or an unknown id is unknown, and counts nothing', async (t) => {
    const { store } = await setup(t);
    const { record } = nonce({ maxUses: 3 });
    const other = nonce();
    await store.create(record);
    t.same(
      await store.use(record.id, other.record.hash, T0),
      { outcome: 'unknown' },
      'another value of the same length',
    );
    t.same(await store.use(record.id, record.hash.slice(0, 63), T0), { outcome: 'unknown' }, 'a shorter hash');
    t.same(await store.use(record.id, `${record.hash}0`, T0), { outcome: 'unknown' }, 'a longer hash');
    t.same(
      await store.use(record.id, record.hash.toUpperCase(), T0),
      { outcome: 'unknown' },
      'the same digits in another case',
    );
    t.same(await store.use(record.id, '', T0), { outcome: 'unknown' }, 'an empty hash');
    t.same(await store.use(other.record.id, other.record.hash, T0), { outcome: 'unknown' }, 'an id never stored');
    t.equal((await listed(store, record.id))?.uses, 0, 'nothing was counted');
    await store.revoke(record.id, T0);
    t.same(
      await store.use(record.id, other.record.hash, T0),
      { outcome: 'unknown' },
      'a wrong hash says nothing of revocation',
    );
  });

  t.test('an expired nonce is refused as expired and counts nothing', async (t) => {
    const { store } = await setup(t);
    const { record } = nonce({ maxUses: 5, expires: at(10_000).toISOString() });
    await store.create(record);
    t.match(
      await store.use(record.id, record.hash, at(9_999)),
      { outcome: 'accepted', nonce: { uses: 1 } },
      'live until its expiry',
    );
    t.same(
      await store.use(record.id, record.hash, at(10_000)),
      { outcome: 'expired', nonce: { ...record, uses: 1 } },
      'expired at its expiry',
    );
    t.match(await store.use(record.id, record.hash, at(86_400_000)), { outcome: 'expired' });
    const unlimited = nonce({ expires: at(-1).toISOString() });
    await store.create(unlimited.record);
    t.same(await store.use(unlimited.record.id, unlimited.record.hash, T0), {
      outcome: 'expired',
      nonce: unlimited.record,
    });
    t.equal((await listed(store, record.id))?.uses, 1);
    t.equal((await listed(store, unlimited.record.id))?.uses, 0);
  });

  t.test('an expiry in another ISO-8601 spelling is compared as a date', async (t) => {
    const { store } = await setup(t);
    const { record } = nonce({ maxUses: 5, expires: '2026-03-01T13:00:00+01:00' }); // = T0
    await store.create(record);
    t.match(await store.use(record.id, record.hash, at(-1)), { outcome: 'accepted' });
    t.match(await store.use(record.id, record.hash, T0), { outcome: 'expired' });
    t.equal((await listed(store, record.id))?.expires, '2026-03-01T13:00:00+01:00', 'and stored as given');
  });

  t.test('a revoked nonce is refused as revoked and counts nothing', async (t) => {
    const { store } = await setup(t);
    const limited = nonce({ maxUses: 2 });
    const unlimited = nonce({ expires: at(-1).toISOString() });
    await store.create(limited.record);
    await store.create(unlimited.record);
    t.match(await store.use(limited.record.id, limited.record.hash, T0), { outcome: 'accepted' });
    t.equal(await store.revoke(limited.record.id, at(5)), true);
    t.equal(await store.revoke(unlimited.record.id, at(5)), true);
    t.same(await store.use(limited.record.id, limited.record.hash, at(6)), {
      outcome: 'revoked',
      nonce: { ...limited.record, uses: 1, revoked: at(5).toISOString() },
    });
    t.match(
      await store.use(unlimited.record.id, unlimited.record.hash, at(6)),
      { outcome: 'revoked' },
      'revoked wins over expired',
    );
    t.equal((await listed(store, limited.record.id))?.uses, 1);
  });

  t.test('maxUses 3 and 20 concurrent uses: exactly 3 accepted, the rest exhausted', async (t) => {
    const { store, open } = await setup(t);
    const stores = open === undefined ? [store] : [store, await open(), await open()];
    const { record } = nonce({ maxUses: 3, scope: 'create' });
    await store.create(record);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.use(record.id, record.hash, at(i))),
    );
    t.same(outcomes(results), { accepted: 3, exhausted: 17 });
    const counts = results.flatMap((r) => (r.outcome === 'accepted' ? [r.nonce.uses] : [])).sort();
    t.same(counts, [1, 2, 3], 'each accepted use saw its own count');
    for (const result of results)
      if (result.outcome === 'exhausted') t.equal(result.nonce.uses, 3, 'exhausted shows all uses spent');
    t.equal((await listed(store, record.id))?.uses, 3, 'uses is exactly maxUses');
    t.same(
      await store.use(record.id, record.hash, at(100)),
      { outcome: 'exhausted', nonce: { ...record, uses: 3 } },
      'and stays exhausted',
    );
    if (stores.length > 1)
      t.equal((await listed(stores[1]!, record.id))?.uses, 3, 'another connection sees the same count');
  });

  t.test('concurrent uses of a maxUses 1 nonce, many times over: never two accepted', async (t) => {
    const { store, open } = await setup(t);
    const stores = open === undefined ? [store] : [store, await open()];
    for (let round = 0; round < 10; round++) {
      const { record } = nonce({ maxUses: 1 });
      await store.create(record);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => stores[i % stores.length]!.use(record.id, record.hash, T0)),
      );
      t.same(outcomes(results), { accepted: 1, exhausted: 7 }, `round ${round}`);
    }
  });

  t.test('an unlimited nonce is counted and never exhausted', async (t) => {
    const { store } = await setup(t);
    const { record } = nonce({ scope: 'all' });
    await store.create(record);
    for (let i = 1; i <= 25; i++) {
      const result = await store.use(record.id, record.hash, at(i));
      t.same(result, { outcome: 'accepted', nonce: { ...record, uses: i } }, `use ${i}`);
    }
    t.equal((await listed(store, record.id))?.uses, 25);
    t.equal(await store.revoke(record.id, at(30)), true);
    t.same(await store.use(record.id, record.hash, at(31)), {
      outcome: 'revoked',
      nonce: { ...record, uses: 25, revoked: at(30).toISOString() },
    });
  });

  t.test('concurrent first uses of an unlimited nonce are all accepted', async (t) => {
    const { store, open } = await setup(t);
    const stores = open === undefined ? [store] : [store, await open()];
    const { record } = nonce();
    await store.create(record);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => stores[i % stores.length]!.use(record.id, record.hash, T0)),
    );
    t.same(outcomes(results), { accepted: 10 });
    // Exact on SQLite and MongoDB; on FerretDB a racing rewrite may lose increments (docs/nonces.md).
    const uses = (await listed(store, record.id))?.uses ?? 0;
    t.ok(uses >= 1 && uses <= 10, `counted (${uses})`);
  });

  t.test('ids and labels are data: operator-like and path-like text round-trips', async (t) => {
    const { store } = await setup(t);
    const odd = nonce({ label: '{"$where": "1"} a.b __proto__', maxUses: 2 });
    const record: NonceRecord = { ...odd.record, id: '$where.a#1' };
    const prefix: NonceRecord = { ...nonce({ maxUses: 2 }).record, id: '$where.a' };
    await store.create(record);
    await store.create(prefix);
    t.match(await store.use(record.id, record.hash, T0), { outcome: 'accepted', nonce: { uses: 1 } });
    t.match(
      await store.use(prefix.id, prefix.hash, T0),
      { outcome: 'accepted', nonce: { uses: 1 } },
      'a prefix id has its own count',
    );
    t.match(await store.use(prefix.id, prefix.hash, T0), { outcome: 'accepted', nonce: { uses: 2 } });
    t.match(await store.use(record.id, record.hash, T0), { outcome: 'accepted', nonce: { uses: 2 } });
    t.same(await listed(store, record.id), { ...record, uses: 2 });
    await t.rejects(
      store.use({ $ne: null } as unknown as string, record.hash, T0),
      { code: 'schema_violation' },
      'an object id is refused',
    );
    await t.rejects(
      store.use(record.id, { $gt: '' } as unknown as string, T0),
      { code: 'schema_violation' },
      'an object hash is refused',
    );
    await t.rejects(store.revoke({ $ne: null } as unknown as string, T0), { code: 'schema_violation' });
    t.equal((await listed(store, record.id))?.revoked, undefined, 'nothing was revoked');
  });
}
