import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A `pjm serve` or `pjm manager` child process with a data directory of its own. */
export interface PjmChild {
  readonly pid: number;
  readonly dataDir: string;
  /** The first capture group of `ready` in the child's log. */
  readonly match: string;
  stop(): Promise<void>;
}

/**
 * Starts `pjm <role>` from the sources (as `npm run bench` runs everything), with a fresh data
 * directory, no PJM_* settings from this process but `env`, and the default log level; resolves
 * when its log matches `ready`. The log is read and dropped, so writing it costs what it costs a
 * real deployment.
 */
export async function startPjm(
  role: 'serve' | 'manager',
  env: Record<string, string>,
  ready: RegExp,
): Promise<PjmChild> {
  const dataDir = mkdtempSync(join(tmpdir(), `pjm-bench-peers-${role}-`));
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PJM_')));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'cli/pjm.ts', role], {
    env: { ...inherited, PJM_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  let output = '';
  let started = false;
  const match = await new Promise<string | Error>((resolve) => {
    const onData = (chunk: Buffer): void => {
      if (started) return;
      output += chunk.toString('utf8');
      const found = ready.exec(output);
      if (found !== null) resolve(found[1] ?? found[0]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => resolve(new Error(`pjm ${role} exited with ${String(code)}:\n${output}`)));
    setTimeout(() => resolve(new Error(`pjm ${role} not ready within 30 s:\n${output}`)), 30_000).unref();
  });
  started = true;
  if (match instanceof Error || child.pid === undefined) {
    await stop();
    throw match instanceof Error ? match : new Error(`pjm ${role} has no pid`);
  }
  return { pid: child.pid, dataDir, match, stop };
}
