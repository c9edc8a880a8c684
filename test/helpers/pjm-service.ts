import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';
import { exited, spawnPjm } from './child-process.js';

/** A running `pjm serve`, `bridge` or `manager` child process. */
export type PjmProcess = ReturnType<typeof spawnPjm>;

/**
 * Starts `pjm <role>` on a port of its choosing (PJM_HTTP_PORT=0) in a fresh data directory, and
 * resolves with its base URL once it answers /healthz. Teardown kills it and removes the directory.
 */
export async function startPjmService(
  t: Test,
  role: 'serve' | 'bridge',
  env: Record<string, string>,
): Promise<{ child: PjmProcess; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), `pjm-${role}-`));
  const child = spawnPjm([role], { PJM_DATA_DIR: dir, PJM_HTTP_PORT: '0', ...env });
  t.teardown(async () => {
    child.kill('SIGKILL');
    await exited(child);
    rmSync(dir, { recursive: true, force: true });
  });
  return { child, url: await serviceUrl(child, role) };
}

/** The base URL of a `pjm serve` or `bridge` child once it answers /healthz; throws if it exits first. */
export async function serviceUrl(child: PjmProcess, role: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const url = /HTTP API at (http:\/\/\S+) /.exec(child.output())?.[1];
    if (
      url !== undefined &&
      (await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      return url;
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`pjm ${role} did not start:\n${child.output()}`);
}
