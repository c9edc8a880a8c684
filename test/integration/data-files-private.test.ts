import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { LocalEventBus } from '../../adapters/bus/local/local-event-bus.js';
import { composeRuntime } from '../../app/compose.js';
import { loadConfig } from '../../config/index.js';

/** The permission bits of `path`. */
function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Runs `work` under `umask`, whatever the test runner's own is. */
async function withUmask<T>(umask: number, work: () => Promise<T>): Promise<T> {
  const before = process.umask(umask);
  try {
    return await work();
  } finally {
    process.umask(before);
  }
}

/** Starts an embedded runtime on `dataDir`, writes to both files, and closes it. */
async function useEmbedded(dataDir: string): Promise<void> {
  const runtime = await composeRuntime(loadConfig({ PJM_DATA_DIR: dataDir }), pino({ level: 'silent' }));
  try {
    await runtime.bus.publish(Buffer.from('{"name":"create","pipeline":"p"}'));
    await runtime.nonces.list();
  } finally {
    await runtime.close();
  }
}

t.test(
  'embedded data: directory 0700, jobs.db, bus.db and their -wal/-shm 0600, under a permissive umask',
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'pjm-modes-'));
    t.teardown(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = join(root, 'nested', 'data');
    await withUmask(0o000, async () => {
      await useEmbedded(dataDir);
      t.equal(mode(dataDir).toString(8), '700', 'the data directory');
      for (const name of ['jobs.db', 'bus.db', 'secret']) t.equal(mode(join(dataDir, name)).toString(8), '600', name);
      // Open again without closing: the WAL and shared-memory files exist while a connection is open.
      const runtime = await composeRuntime(loadConfig({ PJM_DATA_DIR: dataDir }), pino({ level: 'silent' }));
      t.teardown(() => runtime.close());
      await runtime.bus.publish(Buffer.from('{}'));
      for (const name of ['jobs.db-wal', 'jobs.db-shm', 'bus.db-wal', 'bus.db-shm']) {
        t.ok(existsSync(join(dataDir, name)), `${name} exists`);
        t.equal(mode(join(dataDir, name)).toString(8), '600', name);
      }
    });
  },
);

t.test('files a former version left world-readable are made private when opened', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pjm-modes-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  await withUmask(0o022, () => useEmbedded(dataDir));
  for (const name of ['jobs.db', 'bus.db']) chmodSync(join(dataDir, name), 0o644);
  await withUmask(0o022, () => useEmbedded(dataDir));
  for (const name of ['jobs.db', 'bus.db']) t.equal(mode(join(dataDir, name)).toString(8), '600', name);
});

t.test('an event taken off the embedded bus leaves no copy of its token in bus.db', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-erase-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const token = `tf00000.${'S'.repeat(43)}`;
  const bus = new LocalEventBus({ path: join(dir, 'bus.db') });
  await bus.start();
  await bus.publish(
    Buffer.from(
      JSON.stringify({
        name: 'run',
        uuid: '0b9d4a3e-2f61-5c44-9a0e-8c2f1d6b7a10',
        data: { blob: 'x'.repeat(20_000) },
        token,
      }),
    ),
  );
  let settle!: () => void;
  const acked = new Promise<void>((resolve) => (settle = resolve));
  const sub = await bus.consume((d) => void d.ack().then(settle));
  await acked;
  await sub.stop();
  await bus.close();
  const leftovers = readdirSync(dir).filter((name) => readFileSync(join(dir, name)).includes(token));
  t.same(leftovers, [], 'the deleted row was overwritten, not just unlinked from the page');
});
