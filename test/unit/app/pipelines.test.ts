import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import t from 'tap';
import { createLogger } from '../../../app/logger.js';
import { loadPipelineCatalog, reloadPipelineCatalog } from '../../../app/pipelines.js';
import { loadConfig } from '../../../config/index.js';

/** A pino logger whose lines land in the returned array (parsed). */
function capturedLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

t.test('start: a registry file makes the catalog strict; PJM_PIPELINES_STRICT=false relaxes it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pjm-app-pipelines-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'reg.yaml');
  writeFileSync(file, 'pipelines:\n  ap: {}\n');
  const { logger, lines } = capturedLogger();
  const strict = loadPipelineCatalog(loadConfig({ PJM_PIPELINES: file }), logger);
  t.equal(strict.strict, true);
  t.same(strict.registry?.names(), ['ap']);
  t.match(lines, [{ msg: 'pipeline registry loaded', pipelines: ['ap'], strict: true }]);
  t.equal(
    loadPipelineCatalog(loadConfig({ PJM_PIPELINES: file, PJM_PIPELINES_STRICT: 'false' }), logger).strict,
    false,
  );
  const none = loadPipelineCatalog(loadConfig({}), logger);
  t.equal(none.registry, undefined, 'no file configured and no ./pipelines.yaml: no registry');
  t.throws(() => loadPipelineCatalog(loadConfig({ PJM_PIPELINES_STRICT: 'true' }), logger), {
    code: 'invalid_config',
    message: /PJM_PIPELINES_STRICT is on but there is no pipeline registry/,
  });
  t.throws(() => loadPipelineCatalog(loadConfig({ PJM_PIPELINES: join(dir, 'absent.yaml') }), logger), {
    code: 'invalid_registry',
  });
});

t.test(
  'reload: a good file replaces the registry; a bad or vanished one is refused, logged, and the old one kept',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pjm-app-pipelines-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'reg.yaml');
    writeFileSync(file, 'pipelines:\n  ap: {}\n');
    const config = loadConfig({ PJM_PIPELINES: file });
    const { logger, lines } = capturedLogger();
    const catalog = loadPipelineCatalog(config, logger);
    writeFileSync(file, 'pipelines:\n  ap: {}\n  qc: {}\n');
    t.equal(reloadPipelineCatalog(catalog, config, logger), true);
    t.same(catalog.registry?.names(), ['ap', 'qc']);
    writeFileSync(file, 'pipelines:\n  ap: {unknown: 1}\n');
    t.equal(reloadPipelineCatalog(catalog, config, logger), false);
    t.same(catalog.registry?.names(), ['ap', 'qc'], 'kept');
    t.match(lines.at(-1), {
      level: 50,
      code: 'invalid_registry',
      err: /pipeline "ap": key "unknown" is not a known key/,
      kept: ['ap', 'qc'],
      msg: /reload refused/,
    });
    unlinkSync(file);
    t.equal(reloadPipelineCatalog(catalog, config, logger), false);
    t.same(catalog.registry?.names(), ['ap', 'qc'], 'kept when the file is gone');
  },
);
