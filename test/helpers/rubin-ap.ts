import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The seven environment variables of Rubin's `ap` job type (`job_specs.yaml`). */
export const AP_VARS = [
  'AP_JOB_OUTPUT_DIR',
  'AP_VISIT_ID',
  'AP_CCD_NUM',
  'AP_REPO',
  'AP_TEMPLATE',
  'AP_CALIB',
  'AP_FILTER',
];

/** Where {@link writeApJobSpecs} put things under its directory. */
export interface ApLayout {
  /** The `job_specs.yaml` to give `pjm serve` as PJM_PIPELINES. */
  readonly specs: string;
  /** Meant for PJM_LOG_ROOT. */
  readonly logRoot: string;
  /** The job's AP_JOB_OUTPUT_DIR, where the test's go-ahead file goes. */
  readonly output: string;
}

/** Rubin's `job_specs.yaml` with one type, `ap`, whose script is `script` (written as an executable under `dir`). */
export function writeApJobSpecs(dir: string, script: string): ApLayout {
  const path = join(dir, 'jobs', 'ap_job.sh');
  mkdirSync(join(dir, 'jobs'), { recursive: true });
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  const specs = join(dir, 'job_specs.yaml');
  writeFileSync(specs, `type:\n  ap:\n    script: ${path}\n    env:\n${AP_VARS.map((v) => `      - ${v}\n`).join('')}`);
  const layout = { specs, logRoot: join(dir, 'logs'), output: join(dir, 'out') };
  mkdirSync(layout.logRoot, { recursive: true });
  mkdirSync(layout.output, { recursive: true });
  return layout;
}

/** The `env` of an `ap` job as Rubin's client sends it (the CCD number as a number). */
export function apEnv(output: string, ccd = 25): Record<string, string | number> {
  return {
    AP_JOB_OUTPUT_DIR: output,
    AP_VISIT_ID: '410915',
    AP_CCD_NUM: ccd,
    AP_REPO: '/repo',
    AP_TEMPLATE: '/templates',
    AP_CALIB: '/calib',
    AP_FILTER: 'g',
  };
}
