import t from 'tap';
import { PendingReplies, type WaitOptions } from '../../../protocol/pending-replies.js';

const expired = (why: string, waiting: { readonly confirmed: boolean }): Error =>
  new Error(`${why} (${waiting.confirmed ? 'confirmed' : 'unconfirmed'})`);

function options(extra: Partial<WaitOptions<string>> = {}): WaitOptions<string> {
  return { timeoutMs: 1000, context: 'ctx', expired, ...extra };
}

t.test('a reply settles its request once; later replies and failures are dropped', async (t) => {
  const table = new PendingReplies<number, string>();
  const reply = table.expect('a', options());
  const taken = table.take('a');
  t.equal(taken?.context, 'ctx');
  taken?.resolve(7);
  t.equal(await reply, 7);
  t.equal(table.take('a'), undefined, 'nobody waits any more');
  table.fail('a', new Error('late'));
});

t.test("time running out fails the request with the owner's error, telling whether it was confirmed", async (t) => {
  const table = new PendingReplies<number, string>();
  await t.rejects(table.expect('a', options({ timeoutMs: 5 })), /timed out after 5 ms \(unconfirmed\)/);
  const confirmed = table.expect('b', options({ timeoutMs: 5 }));
  t.equal(table.confirm('b', 'channel'), true);
  await t.rejects(confirmed, /timed out after 5 ms \(confirmed\)/);
});

t.test('an abandoned wait ends once the request is confirmed, never before', async (t) => {
  const table = new PendingReplies<number, string>();
  const early = new AbortController();
  early.abort();
  const before = table.expect('a', options({ signal: early.signal }));
  t.equal(table.confirm('a'), false, 'confirmed after it was abandoned: it ends there');
  await t.rejects(before, /abandoned \(confirmed\)/);

  const later = new AbortController();
  const after = table.expect('b', options({ signal: later.signal }));
  table.confirm('b');
  later.abort();
  await t.rejects(after, /abandoned \(confirmed\)/);
});

t.test('failWhere fails the requests its reason names, with their state', async (t) => {
  const table = new PendingReplies<number, string>();
  const lost = table.expect('a', options({ context: 'on channel 1' }));
  const kept = table.expect('b', options({ context: 'on channel 2' }));
  table.confirm('a', 1);
  table.confirm('b', 2);
  table.failWhere((w) => (w.via === 1 ? new Error(`lost ${w.context}, confirmed ${String(w.confirmed)}`) : undefined));
  await t.rejects(lost, /lost on channel 1, confirmed true/);
  table.take('b')?.resolve(2);
  t.equal(await kept, 2);
});

t.test('a publish failure fails the request at once', async (t) => {
  const table = new PendingReplies<number, string>();
  const reply = table.expect('a', options());
  table.fail('a', new Error('refused by the broker'));
  await t.rejects(reply, /refused by the broker/);
});
