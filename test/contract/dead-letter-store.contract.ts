import { randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import type { DeadLetterRecord, DeadLetterStore } from '../../ports/dead-letter-store.js';

/**
 * Makes a fresh, initialised, empty store and a function that disposes of it. `open`, when the
 * storage can be shared, opens (and initialises) one more store on the same storage, so claims
 * also race across connections; the suite closes what it opens.
 */
export type DeadLetterStoreFactory = () => Promise<{
  store: DeadLetterStore;
  dispose: () => Promise<void>;
  open?: () => Promise<DeadLetterStore>;
}>;

const T0 = Date.parse('2026-03-01T12:00:00.000Z');

/** A letter dead-lettered `seconds` after T0 with `code`. */
function letter(code: string, seconds: number, extra: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  return {
    id: randomUUID(),
    deadAt: new Date(T0 + seconds * 1000).toISOString(),
    body: Buffer.from([0xff, 0x00, 0x7b, ...Buffer.from(`{"n":${seconds}}`)]),
    routingKey: 'p.run',
    headers: { 'x-case': seconds, $where: 'hostile', 'a.b': true },
    reason: { code, message: `refused: ${code}`, token: 'verified' },
    attempts: 2,
    ...extra,
  };
}

/** The DeadLetterStore contract: every adapter must pass all of it unchanged. */
export function deadLetterStoreContract(t: Test, makeStore: DeadLetterStoreFactory): void {
  async function setup(t: Test): Promise<{ store: DeadLetterStore; open?: () => Promise<DeadLetterStore> }> {
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

  t.test('keeps a letter as it was given, bytes and hostile header names included', async (t) => {
    const { store } = await setup(t);
    const full = letter('unknown_job', 1, { messageId: 'm-1', eventId: 'e-1', uuid: 'u-1', event: 'run' });
    const bare = letter('malformed_json', 2);
    await store.keep([full, bare]);
    t.same(await store.get(full.id), full);
    t.same(await store.get(bare.id), bare, 'optional fields stay absent');
    t.equal(await store.get(randomUUID()), undefined);
  });

  t.test('keep is idempotent by id: a letter kept again is one record, unchanged', async (t) => {
    const { store } = await setup(t);
    const first = letter('unknown_job', 1);
    await store.keep([first]);
    await store.markReplayed(first.id, new Date(T0 + 5000));
    await store.keep([{ ...first, reason: { ...first.reason, code: 'other' } }, letter('unknown_job', 2)]);
    t.same(await store.counts(), [{ code: 'unknown_job', count: 1 }], 'the replayed one not revived');
    t.equal((await store.get(first.id))?.reason.code, 'unknown_job');
  });

  t.test('counts the waiting letters per code, most first, filtered by code and time', async (t) => {
    const { store } = await setup(t);
    await store.keep([
      letter('b_code', 1),
      letter('a_code', 2),
      letter('c_code', 3),
      letter('c_code', 4),
      letter('b_code', 5),
      letter('c_code', 6),
    ]);
    t.same(await store.counts(), [
      { code: 'c_code', count: 3 },
      { code: 'b_code', count: 2 },
      { code: 'a_code', count: 1 },
    ]);
    t.same(await store.counts({ code: 'b_code' }), [{ code: 'b_code', count: 2 }]);
    const since = new Date(T0 + 4000).toISOString();
    t.same(
      await store.counts({ since }),
      [
        { code: 'b_code', count: 1 },
        { code: 'c_code', count: 2 },
      ].sort((a, b) => b.count - a.count),
    );
  });

  t.test('lists oldest first in pages, the waiting ones unless replayed ones are asked for', async (t) => {
    const { store } = await setup(t);
    const letters = Array.from({ length: 7 }, (_, i) => letter(i % 2 === 0 ? 'even' : 'odd', i));
    // Two letters of the same millisecond are ordered by id.
    const twin = { ...letter('even', 3), id: 'ffffffff-0000-4000-8000-000000000000' };
    await store.keep([...letters].reverse().concat(twin));
    t.ok(await store.markReplayed(letters[0]?.id ?? '', new Date(T0 + 60_000)));
    const all: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.list({ limit: 3, ...(after !== undefined && { after }) });
      all.push(...page.map((l) => l.id));
      if (page.length < 3) break;
      after = page.at(-1)?.id;
    }
    t.same(all, [...letters.slice(1, 4).map((l) => l.id), twin.id, ...letters.slice(4).map((l) => l.id)]);
    t.same(
      (await store.list({ limit: 10, code: 'odd', since: new Date(T0 + 2000).toISOString() })).map((l) => l.id),
      [letters[3]?.id, letters[5]?.id],
    );
    const withReplayed = await store.list({ limit: 1, replayed: true });
    t.equal(withReplayed[0]?.id, letters[0]?.id);
    t.ok(withReplayed[0]?.replayedAt, 'shows when it was replayed');
  });

  t.test('a replay claim is taken once; unmark gives it back', async (t) => {
    const { store, open } = await setup(t);
    const one = letter('unknown_job', 1);
    await store.keep([one]);
    const other = open === undefined ? store : await open();
    const claims = await Promise.all([
      ...Array.from({ length: 5 }, () => store.markReplayed(one.id, new Date())),
      ...Array.from({ length: 5 }, () => other.markReplayed(one.id, new Date())),
    ]);
    t.ok(claims.filter(Boolean).length >= 1, 'one claim at least');
    t.notOk(await store.markReplayed(one.id, new Date()), 'no claim after it is taken');
    t.same(await store.counts(), [], 'no longer waiting');
    await store.unmark(one.id);
    t.same(await store.counts(), [{ code: 'unknown_job', count: 1 }], 'waiting again');
    t.notOk(await store.markReplayed(randomUUID(), new Date()), 'nothing to claim');
  });

  t.test('purge removes the letters of a code before a time, waiting or replayed', async (t) => {
    const { store } = await setup(t);
    const letters = [letter('x', 1), letter('x', 2), letter('x', 3), letter('y', 1)];
    await store.keep(letters);
    await store.markReplayed(letters[0]?.id ?? '', new Date());
    t.equal(await store.purge({ code: 'x', before: new Date(T0 + 3000).toISOString() }), 2);
    t.same(
      (await store.list({ limit: 10, replayed: true })).map((l) => l.id).sort(),
      [letters[2]?.id, letters[3]?.id].sort(),
    );
    t.equal(await store.purge({ before: new Date(T0 + 10_000).toISOString() }), 2, 'every code');
  });
}
