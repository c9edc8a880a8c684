import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main } from '../../../../cli/main.js';
import { capture } from '../../../helpers/capture.js';

t.test('pjm nonce create, list and revoke on the embedded store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-nonce-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { PJM_DATA_DIR: dir };
  const pjm = async (...args: string[]) => {
    const out = capture();
    const err = capture();
    const code = await main(args, { stdout: out.stream, stderr: err.stream, env });
    return { code, out: out.text(), err: err.text() };
  };
  const made = await pjm(
    'nonce',
    'create',
    '--scope',
    'events',
    '--max-uses',
    '3',
    '--ttl',
    '24h',
    '--label',
    'slurm cluster',
    '--json',
  );
  t.equal(made.code, 0, made.err);
  const record = JSON.parse(made.out) as { value: string; id: string; maxUses: number; expires: string };
  t.match(record, { value: /^[0-9a-f]{16}\.[A-Za-z0-9_-]{32}$/, maxUses: 3 });
  t.ok(Math.abs(Date.parse(record.expires) - Date.now() - 86_400_000) < 60_000, 'expires in 24 h');
  const plain = await pjm('nonce', 'create', '--scope', 'all');
  t.match(plain.out, /^[0-9a-f]{16}\.\S{32}\n$/, 'without --json: the value alone on stdout');
  t.match(plain.err, /shown only this once/);
  const listed = await pjm('nonce', 'list');
  t.match(listed.out, new RegExp(`${record.id}\\s+events\\s+live\\s+0/3`));
  t.notOk(listed.out.includes(record.value.split('.')[1]!), 'the secret is never listed');
  t.equal((await pjm('nonce', 'revoke', record.id)).code, 0);
  t.match((await pjm('nonce', 'list')).out, new RegExp(`${record.id}\\s+events\\s+revoked`));
  const again = await pjm('nonce', 'revoke', record.id);
  t.equal(again.code, 1);
  t.match(again.err, /no live nonce/);
  for (const bad of [
    ['nonce', 'create'],
    ['nonce', 'create', '--scope', 'admin'],
    ['nonce', 'create', '--scope', 'events', '--ttl', 'soon'],
    ['nonce', 'create', '--scope', 'events', '--max-uses', '0'],
    ['nonce', 'frobnicate'],
  ]) {
    const res = await pjm(...bad);
    t.equal(res.code, 2, bad.join(' '));
    t.equal(res.err.trim().split('\n').length, 1, 'one line');
  }
});
