import { existsSync } from 'node:fs';
import type { Logger as PinoLogger } from 'pino';
import type { Config } from '../config/config.js';
import { PipelineJobsError } from '../errors/index.js';
import { PipelineCatalog } from '../registry/pipeline-catalog.js';
import type { PipelineRegistry } from '../registry/pipeline-registry.js';
import { readRegistry } from '../registry/read-registry.js';

/** The file used when PJM_PIPELINES is unset, relative to the working directory, if it exists. */
export const DEFAULT_REGISTRY_FILE = 'pipelines.yaml';

/** The registry file the configuration names: PJM_PIPELINES, else `./pipelines.yaml` when present, else none. */
export function registryFile(config: Readonly<Config>): string | undefined {
  return config.PJM_PIPELINES ?? (existsSync(DEFAULT_REGISTRY_FILE) ? DEFAULT_REGISTRY_FILE : undefined);
}

/** The configured registry, read and validated now, or undefined when none is configured. */
export function readConfiguredRegistry(config: Readonly<Config>): PipelineRegistry | undefined {
  const file = registryFile(config);
  return file === undefined ? undefined : readRegistry(file);
}

/**
 * The catalog a process starts with. A registry that cannot be used stops the start
 * (`invalid_registry`), as does `PJM_PIPELINES_STRICT=true` with no registry to be strict about.
 */
export function loadPipelineCatalog(config: Readonly<Config>, logger: PinoLogger): PipelineCatalog {
  const registry = readConfiguredRegistry(config);
  if (registry === undefined && config.PJM_PIPELINES_STRICT === true) {
    throw new PipelineJobsError(
      'invalid_config',
      'PJM_PIPELINES_STRICT is on but there is no pipeline registry (set PJM_PIPELINES, or create ./pipelines.yaml)',
      {
        errors: [{ key: 'PJM_PIPELINES_STRICT', reason: 'needs a pipeline registry (PJM_PIPELINES)' }],
      },
    );
  }
  const catalog = new PipelineCatalog(registry, config.PJM_PIPELINES_STRICT, {
    ...(config.PJM_LOG_ROOT !== undefined && { logRoot: config.PJM_LOG_ROOT }),
  });
  if (registry !== undefined)
    logger.info(
      { file: registry.file, format: registry.format, pipelines: registry.names(), strict: catalog.strict },
      'pipeline registry loaded',
    );
  return catalog;
}

/**
 * Reads the registry file again (SIGHUP) and swaps it in whole. A file that cannot be used is
 * refused with a log line and the registry in use is kept: events keep flowing either way, each
 * checked against one registry or the other.
 *
 * @returns true when the new registry is in use.
 */
export function reloadPipelineCatalog(catalog: PipelineCatalog, config: Readonly<Config>, logger: PinoLogger): boolean {
  let registry: PipelineRegistry | undefined;
  try {
    registry = readConfiguredRegistry(config);
  } catch (err) {
    const code = err instanceof PipelineJobsError ? err.code : 'internal_error';
    logger.error(
      { code, err: err instanceof Error ? err.message : String(err), kept: catalog.registry?.names() ?? [] },
      'pipeline registry reload refused; keeping the registry in use',
    );
    return false;
  }
  if (registry === undefined && catalog.registry !== undefined) {
    logger.error(
      { kept: catalog.registry.names() },
      'pipeline registry reload refused: the file is gone; keeping the registry in use',
    );
    return false;
  }
  catalog.replace(registry, config.PJM_PIPELINES_STRICT);
  logger.info(
    { file: registry?.file, pipelines: registry?.names() ?? [], strict: catalog.strict },
    'pipeline registry reloaded',
  );
  return true;
}
