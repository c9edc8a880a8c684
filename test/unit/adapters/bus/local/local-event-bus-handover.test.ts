import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { LocalEventBus } from '../../../../../adapters/bus/local/local-event-bus.js';
import { LocalQueue } from '../../../../../adapters/bus/local/local-queue.js';
import type { Delivery } from '../../../../../ports/event-bus.js';

/** A bus on a fresh file, closed and removed at the end of `t`. */
async function busOnFile(t: Test): Promise<{ bus: LocalEventBus; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-handover-'));
  const path = join(dir, 'bus.db');
  const bus = new LocalEventBus({ path, pollMs: 10_000 });
  await bus.start();
  t.teardown(async () => {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { bus, path };
}

function leaseOwners(path: string): Array<string | null> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT lease_owner FROM bus_messages ORDER BY seq').all() as Array<{
      lease_owner: string | null;
    }>;
    return rows.map((row) => row.lease_owner);
  } finally {
    db.close();
  }
}

const body = (text: string): Buffer => Buffer.from(text);
const texts = (deliveries: readonly Delivery[]): string[] => deliveries.map((d) => d.body.toString('utf8'));

t.test(
  'a publish that finds a consumer with room and nothing waiting hands it the message, leased in the file',
  async (t) => {
    const { bus, path } = await busOnFile(t);
    const got: Delivery[] = [];
    await bus.consume((delivery) => got.push(delivery), { prefetch: 4 });
    const original = body('one');
    await bus.publish(original, { messageId: 'm1', headers: { 'x-a': 'b' } });
    t.same(texts(got), ['one'], 'delivered before publish resolved its caller (no poll, no wake-up turn)');
    t.equal(leaseOwners(path).length, 1);
    t.not(leaseOwners(path)[0], null, 'the message is in the file, leased to the consumer');
    t.match(got[0], { messageId: 'm1', headers: { 'x-a': 'b' }, redelivered: false });
    t.not(got[0]?.body, original, 'the consumer has its own copy of the body');
    await got[0]?.ack();
    t.same(leaseOwners(path), [], 'the ack removes it');
  },
);

t.test('nothing older is passed over: a message waiting in the file goes first', async (t) => {
  const { bus, path } = await busOnFile(t);
  const got: Delivery[] = [];
  await bus.consume((delivery) => got.push(delivery), { prefetch: 4 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  // Another process's publish: in the file, and this one's consumer has not looked yet.
  const elsewhere = new LocalQueue(path, 5000);
  elsewhere.insert({ body: body('older'), routingKey: 'event', headers: {} }, Date.now());
  elsewhere.close();
  await bus.publish(body('newer'));
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.same(texts(got), ['older', 'newer']);
});

t.test('a handed-over message is a lease like any other: given back on close, redelivered elsewhere', async (t) => {
  const { bus, path } = await busOnFile(t);
  await bus.consume(() => undefined, { prefetch: 1 });
  await bus.publish(body('held'));
  const other = new LocalEventBus({ path, pollMs: 20 });
  await other.start();
  t.teardown(() => other.close());
  const got: Delivery[] = [];
  await other.consume((delivery) => got.push(delivery));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.same(got, [], 'not while the first consumer holds it');
  await bus.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.same(texts(got), ['held']);
  t.equal(got[0]?.redelivered, true);
});
