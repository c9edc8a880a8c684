import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createLogger } from '../../../app/logger.js';
import { loadPipelineCatalog, reloadPipelineCatalog } from '../../../app/pipelines.js';
import { loadConfig } from '../../../config/index.js';

t.test('PJM_LOG_ROOT: an absolute path, held by the catalog across reloads', async (t) => {
  t.throws(() => loadConfig({ PJM_LOG_ROOT: 'logs' }), { code: 'invalid_config', message: /PJM_LOG_ROOT/ });
  const dir = mkdtempSync(join(tmpdir(), 'pjm-log-root-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'job_specs.yaml');
  writeFileSync(file, 'type:\n  ap:\n    script: jobs/ap.sh\n    env: [A]\n');
  const config = loadConfig({ PJM_PIPELINES: file, PJM_LOG_ROOT: join(dir, 'logs') });
  const logger = createLogger('silent');
  const catalog = loadPipelineCatalog(config, logger);
  const inside = { env: { A: 'a' }, log_dir: join(dir, 'logs', 'ap') };
  const outside = { env: { A: 'a' }, log_dir: join(dir, 'other') };
  t.equal(catalog.checkCreate('ap', inside, 'event'), undefined);
  t.equal(catalog.checkCreate('ap', outside, 'event')?.code, 'invalid_log_dir');
  t.ok(reloadPipelineCatalog(catalog, config, logger));
  t.equal(catalog.checkCreate('ap', outside, 'event')?.code, 'invalid_log_dir', 'still after a reload');
});
