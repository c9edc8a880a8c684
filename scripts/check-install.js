#!/usr/bin/env node
// npm runs this after every install (the `postinstall` script): it loads better-sqlite3 under the
// Node that ran the install and stops the install with a clear message when that fails, instead of
// letting `npm install` succeed and `pjm serve` die later. The load runs in a child process because
// a native addon built for a newer Node-API crashes its process rather than throwing.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const SUPPORTED = 'Node.js 22.14 or later on the 22 line, 24 or 26';
// better-sqlite3 13 is built for Node-API 10, which Node has offered since 22.14.
const NODE_API = 10;

function fail(lines) {
  process.stderr.write(`\npipelinejobs: install check failed\n${lines.map((l) => `  ${l}`).join('\n')}\n\n`);
  process.exit(1);
}

const running = `Node ${process.version} (${process.execPath})`;
const nodeApi = Number(process.versions.napi ?? 0);
if (nodeApi < NODE_API) {
  fail([
    `${running} offers Node-API ${nodeApi}; better-sqlite3 needs Node-API ${NODE_API}.`,
    `Use ${SUPPORTED}; without one at hand: export PATH="$(bash scripts/node.sh install 24):$PATH"`,
  ]);
}

let entry;
try {
  entry = createRequire(import.meta.url).resolve('better-sqlite3');
} catch (err) {
  fail([`better-sqlite3 is not installed: ${err instanceof Error ? err.message : String(err)}`]);
}

const probe = spawnSync(
  process.execPath,
  [
    '-e',
    'const Database = require(process.argv[1]); const db = new Database(":memory:"); db.prepare("SELECT 1").get(); db.close();',
    entry,
  ],
  { encoding: 'utf8' },
);
if (probe.error !== undefined || probe.status !== 0) {
  const how = probe.error?.message ?? (probe.signal !== null ? `killed by ${probe.signal}` : `exit ${probe.status}`);
  const detail = (probe.stderr ?? '').trim().split('\n').slice(0, 6);
  fail([`better-sqlite3 (${entry}) does not load under ${running}: ${how}`, ...detail, `Supported: ${SUPPORTED}.`]);
}
process.stdout.write(`better-sqlite3 loads under ${running}\n`);
