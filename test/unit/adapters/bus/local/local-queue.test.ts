import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { LocalQueue, type LeaseRef } from '../../../../../adapters/bus/local/local-queue.js';
import type { DeadLetter } from '../../../../../ports/event-bus.js';

function queueWith(count: number): LocalQueue {
  const queue = new LocalQueue(':memory:', 5000);
  queue.init();
  queue.transaction(() => {
    for (let i = 0; i < count; i++)
      queue.insert({ body: Buffer.from(String(i)), routingKey: 'event', headers: {} }, 1000);
  });
  return queue;
}

const ref = (owner: string, m: { seq: number; delivered: number }): LeaseRef => ({
  seq: m.seq,
  owner,
  delivered: m.delivered,
});
function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}
const bodies = (messages: Array<{ body: Buffer }>): string[] => messages.map((m) => m.body.toString('utf8'));

/** Takes up to `max` dead letters off the queue, as the bus's drain does. */
function drainDead(queue: LocalQueue, max: number): DeadLetter[] {
  const dead = queue.peekDead(max);
  queue.removeDead(dead.map((d) => d.seq));
  return dead.map((d) => d.letter);
}

t.test('leases hand out the oldest ready messages in seq order, each to one owner', (t) => {
  const queue = queueWith(300);
  const a = queue.lease('a', 120, 2000, 10_000);
  const b = queue.lease('b', 500, 2000, 10_000);
  t.same(
    bodies(a),
    Array.from({ length: 120 }, (_, i) => String(i)),
  );
  t.same(
    bodies(b),
    Array.from({ length: 180 }, (_, i) => String(i + 120)),
  );
  t.same(queue.lease('c', 10, 2000, 10_000), [], 'nothing left while the leases live');
  t.equal(queue.hasAvailable(2000), false);
  queue.close();
  t.end();
});

t.test('an expired lease is taken over; the old owner can neither settle nor renew it', (t) => {
  const queue = queueWith(1);
  const first = must(queue.lease('a', 1, 2000, 100)[0]);
  t.equal(queue.hasAvailable(2050), false, 'still leased');
  t.equal(queue.hasAvailable(2100), true, 'lease over');
  const second = must(queue.lease('b', 1, 2100, 100)[0]);
  t.match(second, { seq: first.seq, delivered: 2 });
  t.equal(queue.settle(ref('a', first), { kind: 'ack' }), false, 'the old owner cannot ack');
  queue.renew([ref('a', first)], 99_999);
  t.equal(queue.hasAvailable(2200), true, 'the old owner did not renew it: b’s lease ran out at 2200');
  const third = must(queue.lease('a', 1, 2200, 100)[0]);
  t.match(third, { seq: first.seq, delivered: 3 });
  t.equal(queue.settle(ref('b', second), { kind: 'ack' }), false, 'b lost it to a');
  t.equal(
    queue.settle(ref('a', first), { kind: 'ack' }),
    false,
    'a’s first handout is stale even though a owns the lease again',
  );
  t.equal(queue.settle(ref('a', third), { kind: 'ack' }), true, 'the current handout settles');
  t.equal(queue.hasAvailable(99_999), false, 'acked: gone');
  queue.close();
  t.end();
});

t.test('a retry waits in the delayed queue and comes back before newer messages once due', (t) => {
  const queue = queueWith(3);
  const m0 = must(queue.lease('a', 1, 2000, 10_000)[0]);
  t.equal(queue.settle(ref('a', m0), { kind: 'retry', availableAt: 5000 }), true);
  t.same(bodies(queue.lease('a', 10, 2000, 10_000)), ['1', '2'], 'not before it is due');
  queue.transaction(() => queue.insert({ body: Buffer.from('3'), routingKey: 'event', headers: {} }, 4000));
  t.equal(queue.hasAvailable(4999), true, 'the new message');
  const due = queue.lease('b', 10, 5000, 10_000);
  t.same(bodies(due), ['0', '3'], 'the retry keeps its place in publish order');
  t.match(due[0], { attempts: 1, delivered: 1 }, 'a retry is a fresh delivery');
  queue.close();
  t.end();
});

t.test('release gives back only current handouts; dead letters drain oldest first', (t) => {
  const queue = queueWith(4);
  const [m0, m1, m2, m3] = queue.lease('a', 4, 2000, 10_000).map((m) => ref('a', m));
  if (m0 === undefined || m1 === undefined || m2 === undefined || m3 === undefined)
    throw new Error('expected four leases');
  queue.settle(m2, { kind: 'dead', reason: { code: 'c2', message: 'two' } });
  queue.settle(m0, { kind: 'dead', reason: { code: 'c0', message: 'zero' } });
  queue.release([m1, m3, m0]);
  const again = queue.lease('b', 10, 2000, 10_000);
  t.same(bodies(again), ['1', '3'], 'released at once, dead letters not');
  t.same(
    again.map((m) => m.delivered),
    [2, 2],
    'handed out before, so redelivered',
  );
  t.same(
    drainDead(queue, 1).map((d) => d.reason.code),
    ['c0'],
    'oldest dead letter first',
  );
  t.same(
    drainDead(queue, 10).map((d) => d.reason),
    [{ code: 'c2', message: 'two', token: 'unchecked' }],
  );
  t.same(drainDead(queue, 10), []);
  queue.close();
  t.end();
});

t.test('a file of an earlier version is migrated: its dead letters lose their token, the rest is kept', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-queue-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'bus.db');
  const old = new Database(path);
  // The table as versions before the reason_token column wrote it.
  old.exec(`CREATE TABLE bus_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL,
    routing_key TEXT NOT NULL, body BLOB NOT NULL, headers TEXT NOT NULL, reply_to TEXT, correlation_id TEXT,
    message_id TEXT, attempts INTEGER NOT NULL DEFAULT 0, available_at INTEGER NOT NULL, lease_owner TEXT,
    lease_until INTEGER, delivered INTEGER NOT NULL DEFAULT 0, reason_code TEXT, reason_message TEXT) STRICT`);
  const insert = old.prepare(
    `INSERT INTO bus_messages (queue, routing_key, body, headers, available_at, reason_code, reason_message)
     VALUES (?, 'event', ?, '{}', 0, ?, ?)`,
  );
  insert.run(
    'dead',
    Buffer.from('{"id":"e1","name":"run","token":"tf00000.secret","data":{"token":"kept: user data"}}'),
    'illegal_transition',
    'no',
  );
  insert.run('dead', Buffer.from('not json'), 'malformed_json', 'bad');
  insert.run('events', Buffer.from('{"name":"run","token":"in-flight"}'), null, null);
  old.close();
  for (let open = 0; open < 2; open++) {
    const queue = new LocalQueue(path, 5000);
    queue.init();
    queue.close();
  }
  const queue = new LocalQueue(path, 5000);
  queue.init();
  const dead = drainDead(queue, 10);
  t.same(
    dead.slice(0, 1).map((d) => [JSON.parse(d.body.toString()) as unknown, d.reason]),
    [
      [
        { id: 'e1', name: 'run', data: { token: 'kept: user data' } },
        { code: 'illegal_transition', message: 'no', token: 'unchecked' },
      ],
    ],
  );
  t.equal(dead[1]?.body.toString(), 'not json');
  t.equal(new Set(dead.map((d) => d.id)).size, 2, 'the dead letters already there get an id each');
  t.ok(
    dead.every(
      (d) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(d.id) && Date.parse(d.deadAt) > 0,
    ),
    'a uuid and a time',
  );
  t.same(
    bodies(queue.lease('a', 10, 1, 1000)),
    ['{"name":"run","token":"in-flight"}'],
    'a message in flight keeps its token: the manager checks it',
  );
  queue.close();
  t.end();
});
