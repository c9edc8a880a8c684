import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { checkLaunchRequest, isLaunchable, realPath } from '../../../registry/launch-request.js';
import { parseRegistry } from '../../../registry/parse-registry.js';
import { PipelineCatalog } from '../../../registry/pipeline-catalog.js';
import type { PipelineDefinition } from '../../../registry/pipeline-definition.js';

const ap: PipelineDefinition = { name: 'ap', env: ['A', 'B', 'C'], script: 'jobs/ap.sh' };

t.test('every missing variable is named; values must be text', async (t) => {
  t.equal(checkLaunchRequest(ap, { env: { A: '1', B: '2', C: '' } }, 'request'), undefined);
  t.match(checkLaunchRequest(ap, { env: { B: '2' } }, 'event'), {
    code: 'missing_env',
    message: 'event.data.env lacks the variables A, C that pipeline "ap" needs',
    details: { field: 'data.env', missing: ['A', 'C'], pipeline: 'ap' },
  });
  t.match(checkLaunchRequest(ap, {}, 'request'), { code: 'missing_env', details: { missing: ['A', 'B', 'C'] } });
  t.match(checkLaunchRequest(ap, { env: ['A'] }, 'request'), { code: 'missing_env', message: /must be an object/ });
  t.match(checkLaunchRequest(ap, { env: { A: 1, B: '2', C: null } }, 'request'), {
    code: 'missing_env',
    details: { notText: ['A', 'C'] },
  });
  t.equal(checkLaunchRequest(ap, { env: { A: '1', B: '2', C: '3', EXTRA: 4 } }, 'request'), undefined, 'extras');
});

t.test('only launchable pipelines are looked at', async (t) => {
  const plain: PipelineDefinition = { name: 'plain', env: [] };
  t.notOk(isLaunchable(plain));
  t.ok(isLaunchable({ name: 's', env: [], script: 'x' }));
  t.ok(isLaunchable({ name: 'e', env: ['A'] }));
  t.ok(isLaunchable({ name: 'l', env: [], launcher: { type: 'local' } }));
  t.equal(checkLaunchRequest(plain, { env: 'anything', log_dir: 'relative' }, 'request'), undefined);
});

t.test('log_dir: absolute, and inside the log root once resolved', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-launch-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  mkdirSync(root);
  mkdirSync(join(dir, 'out'));
  symlinkSync(join(dir, 'out'), join(root, 'link'));
  const env = { A: 'a', B: 'b', C: 'c' };
  const check = (logDir: unknown, logRoot?: string) =>
    checkLaunchRequest(ap, { env, log_dir: logDir }, 'request', logRoot === undefined ? {} : { logRoot })?.code;
  t.equal(check(undefined), undefined, 'no log_dir: the launcher decides');
  t.equal(check('/anywhere/at/all'), undefined, 'no root: any absolute path');
  t.equal(check('logs'), 'invalid_log_dir');
  t.equal(check(42), 'invalid_log_dir');
  t.equal(check('/a\0b'), 'invalid_log_dir');
  t.equal(check(join(root, 'a', 'b'), root), undefined);
  t.equal(check(root, root), undefined);
  t.equal(check(`${root}/a/../../out`, root), 'invalid_log_dir');
  t.equal(check(join(root, 'link'), root), 'invalid_log_dir', 'a link out of the root');
  t.equal(check(join(root, 'link', 'new'), root), 'invalid_log_dir', 'below a link out of the root');
  t.equal(check(`${root}x`, root), 'invalid_log_dir', 'a sibling sharing the prefix');
  t.equal(check(join(root, 'a'), join(dir, 'missing-root')), 'invalid_log_dir');
  t.equal(realPath(join(root, 'link', 'x', 'y')), join(realPath(dir), 'out', 'x', 'y'));
});

t.test(
  "the catalog's one create check runs the launch check after the schema, and keeps its rules on reload",
  async (t) => {
    const registry = parseRegistry('type:\n  ap:\n    script: jobs/ap.sh\n    env: [A]\n', 'job_specs.yaml');
    const catalog = new PipelineCatalog(registry, undefined, { logRoot: '/srv/logs' });
    t.equal(catalog.checkCreate('ap', { env: { A: 'x' }, log_dir: '/srv/logs/ap' }, 'event'), undefined);
    t.equal(catalog.checkCreate('ap', { env: {} }, 'event')?.code, 'missing_env');
    catalog.replace(registry);
    t.equal(catalog.checkCreate('ap', { env: { A: 'x' }, log_dir: '/tmp' }, 'event')?.code, 'invalid_log_dir');
    t.equal(new PipelineCatalog().checkCreate('ap', { env: 'x', log_dir: 'y' }, 'request'), undefined, 'no registry');
  },
);
