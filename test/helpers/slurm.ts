import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The project's root directory. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where scripts/slurm.sh keeps its state. */
export const SLURM_DIR = process.env['PJM_SLURM_DIR'] ?? join(tmpdir(), 'pjm-slurm');
/** A fixed path, so that slurm.conf stays the same between runs and Slurm is not restarted. */
export const MAILPROG = join(SLURM_DIR, 'pjm-mailprog');

/** Why the Slurm tests cannot run here, or undefined when they can. */
export function haveSlurm(): string | undefined {
  try {
    execFileSync('sh', ['-c', 'command -v sbatch && command -v slurmctld'], { stdio: 'ignore' });
  } catch {
    return 'Slurm is not installed (bash scripts/slurm.sh install; .ci/run does this)';
  }
  if (process.getuid?.() !== 0) return 'starting Slurm needs root';
  if (!existsSync(join(ROOT, 'dist/cli/slurm-mail-main.js')))
    return 'dist/ is not built (npm run build), and MailProg runs the compiled bin/pjm-slurm-mail.js';
  try {
    execFileSync('runuser', ['-u', 'slurm', '--', 'test', '-r', join(ROOT, 'dist/cli/slurm-mail-main.js')], {
      stdio: 'ignore',
    });
  } catch {
    return `the slurm user cannot read ${ROOT}, so MailProg cannot run pjm from it`;
  }
  try {
    execFileSync('runuser', ['-u', 'slurm', '--', 'test', '-x', process.execPath], { stdio: 'ignore' });
  } catch {
    return (
      `the slurm user cannot run ${process.execPath}, the Node that MailProg runs ` +
      '(keep Node out of a private home directory)'
    );
  }
  return undefined;
}

/**
 * Starts the Slurm of scripts/slurm.sh (or keeps it running) with a MailProg that reports to the
 * bridge at `url` through this checkout's `pjm-slurm-mail`; resolves to what slurm.sh printed.
 */
export async function startSlurmReportingTo(url: string): Promise<string> {
  // slurmctld gives MailProg no PATH and no environment of ours: the wrapper supplies both.
  mkdirSync(SLURM_DIR, { recursive: true });
  writeFileSync(
    MAILPROG,
    `#!/bin/sh\nPJM_URL='${url}' exec '${process.execPath}' '${join(ROOT, 'bin/pjm-slurm-mail.js')}' "$@"\n`,
  );
  chmodSync(MAILPROG, 0o755);
  const started = await promisify(execFile)('bash', [join(ROOT, 'scripts/slurm.sh'), 'start', MAILPROG], {
    timeout: 120_000,
  });
  return started.stdout.trim();
}
