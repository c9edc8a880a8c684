import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PipelineJobsError } from '../errors/index.js';
import { clip } from '../schemas/format-error.js';
import type { PipelineDefinition } from './pipeline-definition.js';

/** Where a launchable job's log directory may be: anywhere absolute, or inside `logRoot`. */
export interface LaunchRules {
  /** `PJM_LOG_ROOT`: every `log_dir` must resolve to this directory or below it. */
  readonly logRoot?: string;
}

/** Whether the registry runs jobs of this pipeline, or asks them for an environment. */
export function isLaunchable(pipeline: PipelineDefinition): boolean {
  return pipeline.script !== undefined || pipeline.launcher !== undefined || pipeline.env.length > 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The path as the file system will see it: `..` resolved, and the symbolic links of its longest
 * existing prefix followed (the rest does not exist yet, so it cannot be a link).
 */
export function realPath(path: string): string {
  let existing = resolve(path);
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = resolve(existing, '..');
    if (parent === existing) break;
    rest.unshift(relative(parent, existing));
    existing = parent;
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    real = existing;
  }
  return rest.length === 0 ? real : join(real, ...rest);
}

/** Whether `path` is `root` or lies below it, both already real paths. */
function isInside(path: string, root: string): boolean {
  const below = relative(root, path);
  return below === '' || (!below.startsWith(`..${sep}`) && below !== '..' && !isAbsolute(below));
}

function checkEnv(pipeline: PipelineDefinition, env: unknown, label: string): PipelineJobsError | undefined {
  if (env !== undefined && !isRecord(env)) {
    return new PipelineJobsError('missing_env', `${label}.data.env must be an object of NAME: "value"`, {
      field: 'data.env',
      missing: [...pipeline.env],
    });
  }
  const given = env ?? {};
  // Undeclared extras are the caller's own; the launcher passes on text values only.
  const notText = pipeline.env.filter((name) => Object.hasOwn(given, name) && typeof given[name] !== 'string');
  if (notText.length > 0) {
    return new PipelineJobsError('missing_env', `${label}.data.env values must be strings: ${notText.join(', ')}`, {
      field: 'data.env',
      notText,
      pipeline: pipeline.name,
    });
  }
  const missing = pipeline.env.filter((name) => !Object.hasOwn(given, name));
  if (missing.length === 0) return undefined;
  return new PipelineJobsError(
    'missing_env',
    `${label}.data.env lacks ${missing.length === 1 ? 'the variable' : 'the variables'} ${missing.join(', ')} ` +
      `that pipeline "${pipeline.name}" needs`,
    { field: 'data.env', missing, pipeline: pipeline.name },
  );
}

function checkLogDir(logDir: unknown, label: string, rules: LaunchRules): PipelineJobsError | undefined {
  if (logDir === undefined) return undefined;
  if (typeof logDir !== 'string' || !isAbsolute(logDir) || logDir.includes('\0')) {
    return new PipelineJobsError('invalid_log_dir', `${label}.data.log_dir must be an absolute path`, {
      field: 'data.log_dir',
    });
  }
  if (rules.logRoot === undefined) return undefined;
  const root = realPath(rules.logRoot);
  const real = realPath(logDir);
  if (isInside(real, root)) return undefined;
  return new PipelineJobsError(
    'invalid_log_dir',
    `${label}.data.log_dir ${clip(logDir)} is outside the log root ${root} (PJM_LOG_ROOT)` +
      (real === resolve(logDir) ? '' : ` once resolved to ${clip(real)}`),
    { field: 'data.log_dir', logRoot: root },
  );
}

/**
 * The launch half of a create check, for pipelines the registry launches or asks for an
 * environment ({@link isLaunchable}): `data.env` must give every variable the pipeline's `env`
 * lists (each missing one named, `missing_env`), as strings (other variables are not looked at:
 * the launcher passes text values only); `data.log_dir`, when given, must be
 * absolute and, with a log root, inside it once `..` and symbolic links are resolved
 * (`invalid_log_dir`). Other pipelines' data is not looked at.
 *
 * @param label - how messages name the request: `request` (HTTP) or `event` (bus).
 */
export function checkLaunchRequest(
  pipeline: PipelineDefinition,
  data: unknown,
  label: string,
  rules: LaunchRules = {},
): PipelineJobsError | undefined {
  if (!isLaunchable(pipeline)) return undefined;
  const record = isRecord(data) ? data : {};
  return checkEnv(pipeline, record['env'], label) ?? checkLogDir(record['log_dir'], label, rules);
}
