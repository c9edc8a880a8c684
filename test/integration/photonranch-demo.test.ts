import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import t, { type Test } from 'tap';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { startPjmService } from '../helpers/pjm-service.js';
import { AUDIENCE, ISSUER, testIdp } from '../helpers/photonranch-keys.js';
import { serviceUrl, uniqueName } from '../helpers/services.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The "The seed's flow" section of docs/photonranch.md: its `sh` blocks and its output. */
export function flowOf(doc: string): { blocks: string[]; output: string } {
  const section = doc.slice(doc.indexOf("\n## The seed's flow"));
  const blocks = [...section.matchAll(/\n```sh\n([\s\S]*?)\n```/g)].map((match) => match[1] ?? '');
  const output = /\n```text\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (output === undefined) throw new Error("docs/photonranch.md: the seed's flow shows no output");
  return { blocks, output };
}

const DOC = readFileSync(join(ROOT, 'docs', 'photonranch.md'), 'utf8');
const idp = await testIdp();
t.teardown(() => idp.close());
/** An operator's token: it makes the site's key. */
const ADMIN_TOKEN = 'photonranch-demo-admin-token';
const JWT_ENV = {
  PJM_JWT_JWKS: idp.files.jwks,
  PJM_JWT_AUDIENCE: AUDIENCE,
  PJM_JWT_ISSUER: ISSUER,
  PJM_API_TOKENS: ADMIN_TOKEN,
};

/** Runs the doc's flow against the server at `url` and checks it prints what the doc shows. */
async function runFlow(t: Test, url: string): Promise<void> {
  const { blocks, output: expected } = flowOf(DOC);
  t.equal(blocks.length, 5, 'newjob, the site key, getnewjobs, the status reports, the recent jobs');
  const dir = mkdtempSync(join(tmpdir(), 'pjm-photonranch-demo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = ['set -euo pipefail', ...blocks].join('\n\n');
  const shell = spawn('bash', ['-c', script], {
    cwd: dir,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      PR: `${url}/photonranch`,
      PJM_URL: url,
      TOKEN: await idp.sign(),
      ADMIN: ADMIN_TOKEN,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  shell.stdout.on('data', (b: Buffer) => (output += b.toString()));
  shell.stderr.on('data', (b: Buffer) => (errors += b.toString()));
  const code = await exited(shell);
  if (code !== 0) t.comment(errors);
  t.equal(code, 0, 'every block succeeds');
  t.equal(output.trimEnd(), expected, 'it prints what the doc says');
}

t.test("docs/photonranch.md's flow runs as written against pjm serve", { timeout: 120_000 }, async (t) => {
  const { url } = await startPjmService(t, 'serve', JWT_ENV);
  await runFlow(t, url);
});

const amqp = serviceUrl('PJM_TEST_AMQP_URL');
const mongo = serviceUrl('PJM_TEST_MONGO_URL');
if ('skip' in amqp || 'skip' in mongo) {
  const skip = 'skip' in amqp ? amqp.skip : 'skip' in mongo ? mongo.skip : 'no service';
  t.test('the flow on pjm bridge + pjm manager', { skip }, () => {});
} else {
  t.test(
    'the flow runs the same on pjm bridge + pjm manager, RabbitMQ and the MongoDB-wire store',
    { timeout: 120_000 },
    async (t) => {
      const database = uniqueName('pjm_jwt_demo');
      const env = {
        ...JWT_ENV,
        PJM_AMQP_URL: amqp.url,
        PJM_AMQP_PREFIX: uniqueName('pjm_jwt_demo'),
        PJM_MONGO_URL: mongo.url,
        PJM_MONGO_DB: database,
        PJM_SECRET: 'photonranch-demo-secret-0123456789',
        PJM_LOG_LEVEL: 'warn',
      };
      t.teardown(async () => {
        const client = await MongoClient.connect(mongo.url);
        await client.db(database).dropDatabase();
        await client.close();
      });
      const { url } = await startPjmService(t, 'bridge', { ...env, PJM_LOG_LEVEL: 'info' });
      const manager = spawnPjm(['manager'], env);
      t.teardown(async () => {
        manager.kill('SIGKILL');
        await exited(manager);
      });
      await runFlow(t, url);
    },
  );
}
