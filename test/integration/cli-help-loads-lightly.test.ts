import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { COMMANDS } from '../../cli/command-list.js';
import { builtPjm } from '../helpers/built-pjm.js';

// Resolution hooks that log every module the process imports, preloaded with --import.
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.PJM_TEST_IMPORT_LOG, resolved.url + '\\n');
  return resolved;
}`;
const PRELOAD = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`)}`;

/** The server's dependencies: about a second of loading that a help screen must not pay. */
const HEAVY = /\/node_modules\/(fastify|mongodb|amqplib|better-sqlite3)\//;

t.test("pjm --help loads no package; no command's --help loads the server's dependencies", async (t) => {
  const built = builtPjm();
  if ('stale' in built) {
    t.fail(built.stale);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pjm-startup-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let runs = 0;
  const imports = (...args: string[]): string[] => {
    const log = join(dir, `imports-${runs++}.log`);
    const run = spawnSync(process.execPath, ['--import', PRELOAD, built.bin, ...args], {
      env: { ...process.env, PJM_TEST_IMPORT_LOG: log, PJM_DATA_DIR: dir },
      encoding: 'utf8',
    });
    t.equal(run.status, 0, `pjm ${args.join(' ')} exits 0 ${run.stderr}`);
    return readFileSync(log, 'utf8').trim().split('\n');
  };

  const control = imports('nonce', 'list');
  t.ok(
    control.some((url) => HEAVY.test(url)),
    'the log sees a heavy package when a command does load one (pjm nonce list opens SQLite)',
  );

  for (const args of [['--help'], ['--version']]) {
    const loaded = imports(...args);
    t.ok(
      loaded.some((url) => url.endsWith('/dist/cli/main.js')),
      'the log covers the CLI',
    );
    t.same(
      loaded.filter((url) => url.includes('/node_modules/')),
      [],
      `pjm ${args.join(' ')} imports no package`,
    );
  }
  for (const { name } of COMMANDS)
    t.same(
      imports(name, '--help').filter((url) => HEAVY.test(url)),
      [],
      `pjm ${name} --help`,
    );
});
