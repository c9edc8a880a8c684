import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { LocalEventBus } from '../../adapters/bus/local/local-event-bus.js';
import type { Delivery } from '../../ports/event-bus.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../helpers/local-bus-child.ts', import.meta.url));

interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
}

/** Runs test/helpers/local-bus-child.ts with `args`; killed with the test if still running. */
function child(t: Test, args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  if (proc.stdout !== null) createInterface({ input: proc.stdout }).on('line', (line) => lines.push(line));
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return { process: proc, lines };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(10);
  return condition();
}

async function busOnTempFile(t: Test, leaseMs?: number): Promise<{ bus: LocalEventBus; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-bus-proc-'));
  const path = join(dir, 'bus.db');
  const bus = new LocalEventBus(leaseMs === undefined ? { path } : { path, leaseMs });
  await bus.start();
  t.teardown(async () => {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { bus, path };
}

t.test('a consumer killed with SIGKILL: its messages come back, redelivered, once its lease runs out', async (t) => {
  const leaseMs = 1000;
  const { bus, path } = await busOnTempFile(t, leaseMs);
  await bus.publish(Buffer.from('a'));
  await bus.publish(Buffer.from('b'));
  const consumer = child(t, ['consume', path, String(leaseMs)]);
  t.ok(await until(() => consumer.lines.length >= 2, 20_000), 'the child received both messages');
  t.same(consumer.lines, ['got a', 'got b']);

  const received: Array<{ at: number; d: Delivery }> = [];
  const sub = await bus.consume((d) => received.push({ at: Date.now(), d }));
  await sleep(leaseMs * 2.5);
  t.equal(received.length, 0, 'while the child lives, it renews its leases and nobody else gets the messages');

  const exited = once(consumer.process, 'exit');
  consumer.process.kill('SIGKILL');
  await exited;
  const killedAt = Date.now();
  t.ok(await until(() => received.length >= 2, 10_000), 'the parent received both messages');
  await sub.stop();
  t.same(
    received.map((r) => r.d.body.toString('utf8')),
    ['a', 'b'],
    'in publish order',
  );
  t.same(
    received.map((r) => r.d.redelivered),
    [true, true],
    'marked redelivered',
  );
  const waited = (received[0]?.at ?? 0) - killedAt;
  t.ok(
    waited >= leaseMs / 2 && waited <= leaseMs * 3,
    `handed out after the lease ran out (${waited} ms after the kill)`,
  );
  await Promise.all(received.map((r) => r.d.ack()));
});

t.test('another process publishes 2,000 messages; this one consumes each exactly once, in order', async (t) => {
  const count = 2000;
  const { bus, path } = await busOnTempFile(t);
  const received: Delivery[] = [];
  const sub = await bus.consume((d) => {
    received.push(d);
    void d.ack();
  });
  const producer = child(t, ['publish', path, String(count)]);
  const [code] = (await once(producer.process, 'exit')) as [number | null];
  t.equal(code, 0, 'the producer exited cleanly');
  t.same(producer.lines, ['done']);
  t.ok(await until(() => received.length >= count, 30_000), `received ${received.length} of ${count}`);
  await sleep(300);
  await sub.stop();
  t.equal(received.length, count, 'nothing twice');
  const bodies = received.map((d) => d.body.toString('utf8'));
  t.ok(
    bodies.every((body, i) => body === String(i)),
    'exactly "0" … "1999" in publish order',
  );
  t.equal(received.filter((d) => d.redelivered).length, 0, 'no redelivery');
});
