import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';

// scripts/ferretdb.sh build on a machine with no cached binary: the whole cold path, with a
// stand-in `go` (the real build takes minutes and the Go proxy) whose FerretDB prints its version
// the way the real one does, several lines, the later ones after a pause.

const SCRIPT = fileURLToPath(new URL('../../../scripts/ferretdb.sh', import.meta.url));
const VERSION_LINES = ['version: v1.24.2', 'commit: 0123456789abcdef', 'branch: unknown', 'dirty: false'];

const FAKE_FERRETDB = `#!/usr/bin/env bash
[[ $1 == --version ]] || exit 2
echo '${VERSION_LINES[0]}'
sleep 0.3
printf '%s\\n' ${VERSION_LINES.slice(1)
  .map((l) => `'${l}'`)
  .join(' ')}
`;

const FAKE_GO = `#!/usr/bin/env bash
case $1 in
  mod) printf '{"Path": "github.com/FerretDB/FerretDB", "Version": "v1.24.2", "Dir": "%s"}\\n' "$FAKE_MODULE_DIR" ;;
  build) [[ $2 == -o && -f build/version/version.txt ]] || exit 3; printf '%s' "$FAKE_FERRETDB" > "$3"; chmod +x "$3" ;;
  *) exit 4 ;;
esac
`;

function rig(t: Test): { env: NodeJS.ProcessEnv; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-ferretdb-script-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  const moduleDir = join(dir, 'module');
  mkdirSync(bin);
  mkdirSync(join(moduleDir, 'build', 'version'), { recursive: true });
  writeFileSync(join(bin, 'go'), FAKE_GO);
  chmodSync(join(bin, 'go'), 0o755);
  const cache = join(dir, 'cache');
  return {
    cache,
    env: {
      ...process.env,
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      PJM_CACHE_DIR: cache,
      FAKE_MODULE_DIR: moduleDir,
      FAKE_FERRETDB,
    },
  };
}

t.test('build with an empty cache builds the binary and prints its version line, and exits 0', (t) => {
  const { env, cache } = rig(t);
  const cold = spawnSync('bash', [SCRIPT, 'build'], { env, encoding: 'utf8' });
  t.equal(cold.status, 0, `exit 0 (stderr: ${cold.stderr.trim()})`);
  t.match(cold.stdout, `built ${join(cache, 'ferretdb-v1.24.2')} (${VERSION_LINES[0]})`);
  t.notMatch(cold.stdout, VERSION_LINES[1] ?? '', 'only the first version line');

  const warm = spawnSync('bash', [SCRIPT, 'build'], { env, encoding: 'utf8' });
  t.equal(warm.status, 0, 'the second build finds it in the cache');
  t.match(warm.stdout, `${join(cache, 'ferretdb-v1.24.2')} (${VERSION_LINES[0]})`);
  t.end();
});

t.test('a cached binary that does not run fails the build', (t) => {
  const { env, cache } = rig(t);
  mkdirSync(cache);
  writeFileSync(join(cache, 'ferretdb-v1.24.2'), '#!/usr/bin/env bash\nexit 1\n');
  chmodSync(join(cache, 'ferretdb-v1.24.2'), 0o755);
  const run = spawnSync('bash', [SCRIPT, 'build'], { env, encoding: 'utf8' });
  t.equal(run.status, 1);
  t.match(run.stderr, '--version failed');
  t.end();
});
