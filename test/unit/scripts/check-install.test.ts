import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';

// scripts/check-install.js, which `npm install` runs last (the `prepare` script): it must pass when
// better-sqlite3 works under the Node that ran the install, and stop the install with a message
// naming that Node when it does not (an addon that throws on load, or one that crashes its process).

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/check-install.js');

function check(cwd: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(cwd, 'scripts/check-install.js')], { cwd, encoding: 'utf8' });
}

/** A project holding the check script and a better-sqlite3 whose entry point is `entry`. */
function projectWith(t: Test, entry: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-install-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(SCRIPT, join(dir, 'scripts/check-install.js'));
  const module = join(dir, 'node_modules/better-sqlite3');
  mkdirSync(module, { recursive: true });
  writeFileSync(join(module, 'package.json'), '{"name": "better-sqlite3", "main": "index.js"}\n');
  writeFileSync(join(module, 'index.js'), entry);
  return dir;
}

t.test('passes with the installed better-sqlite3 under the running Node', (t) => {
  const run = check(ROOT);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, `better-sqlite3 loads under Node ${process.version}`);
  t.end();
});

t.test('fails, naming the running Node, when the addon was built for another Node', (t) => {
  const mismatch =
    'The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 147.';
  const run = check(projectWith(t, `throw new Error(${JSON.stringify(mismatch)});\n`));
  t.equal(run.status, 1);
  t.match(run.stderr, `does not load under Node ${process.version}`);
  t.match(run.stderr, 'NODE_MODULE_VERSION 115');
  t.match(run.stderr, 'Supported: Node.js 22.14');
  t.end();
});

t.test('fails with a message when loading the addon crashes the process', (t) => {
  const run = check(projectWith(t, "process.kill(process.pid, 'SIGSEGV');\n"));
  t.equal(run.status, 1);
  t.match(run.stderr, 'killed by SIGSEGV');
  t.end();
});
