import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { exited, spawnPjm } from '../helpers/child-process.js';

t.test('a port in use stops the start with a message naming the setting, and leaves nothing on disk', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => taken.close(resolve)));
  const port = (taken.address() as { port: number }).port;
  const root = mkdtempSync(join(tmpdir(), 'pjm-start-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));

  const cases = [
    { role: 'serve', env: { PJM_HTTP_PORT: String(port) }, variable: 'PJM_HTTP_PORT' },
    { role: 'bridge', env: { PJM_HTTP_PORT: String(port) }, variable: 'PJM_HTTP_PORT' },
    { role: 'manager', env: { PJM_METRICS_PORT: String(port) }, variable: 'PJM_METRICS_PORT' },
  ];
  for (const { role, env, variable } of cases) {
    const dataDir = join(root, role, '.pjm');
    const child = spawnPjm([role], { PJM_DATA_DIR: dataDir, ...env });
    const code = await exited(child);
    const output = child.output();
    t.equal(code, 2, `pjm ${role}: exit code 2 (configuration)`);
    t.match(
      output,
      `pjm ${role}: invalid_config: cannot listen on 127.0.0.1:${port}: it is already in use`,
      `pjm ${role}: says what happened`,
    );
    t.match(output, `choose another port with ${variable}`, `pjm ${role}: names ${variable}`);
    t.notMatch(output, /\n\s+at /, `pjm ${role}: no stack trace`);
    t.notOk(existsSync(join(root, role)), `pjm ${role}: no data directory, database or secret was created`);
  }
});

t.test(
  'a MongoDB store without PJM_SECRET is refused before anything is created (processes on other hosts share it)',
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'pjm-secret-'));
    t.teardown(() => rmSync(root, { recursive: true, force: true }));
    const shared = spawnPjm(['bridge'], {
      PJM_DATA_DIR: join(root, 'mongo'),
      PJM_HTTP_PORT: '0',
      PJM_MONGO_URL: 'mongodb://127.0.0.1:1/',
      PJM_SECRET: '',
    });
    t.equal(await exited(shared), 2, 'MongoDB without PJM_SECRET: exit code 2');
    t.match(shared.output(), 'pjm bridge: invalid_config: PJM_SECRET is required when PJM_MONGO_URL is set');
    t.notOk(existsSync(join(root, 'mongo')), 'refused before anything was created');
  },
);

t.test('a broker out of reach is a failed start: exit 1 with the broker named, not a refusal', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'pjm-broker-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const role of ['manager', 'bridge']) {
    const child = spawnPjm([role], {
      PJM_DATA_DIR: join(root, role),
      PJM_HTTP_PORT: '0',
      PJM_AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
    });
    t.equal(await exited(child), 1, `pjm ${role}: exit code 1`);
    t.match(
      child.output(),
      `pjm ${role}: event bus unavailable: cannot connect to amqp://127.0.0.1:1`,
      `pjm ${role}: says which broker`,
    );
    t.notMatch(child.output(), /guest/, `pjm ${role}: no credentials in the message`);
  }
});
