import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExitStatus, LaunchHandle, LaunchRequest, LaunchStatus, Launcher } from '../../../ports/launcher.js';
import { LaunchError } from '../../../ports/launcher.js';
import { prepareLaunch } from '../prepare-launch.js';

/**
 * The process the launcher starts: a shell that writes its pid to `<log>.pid` (how a dispatcher
 * that restarts finds a launch it did not record), runs the script, and writes the exit code to
 * `<log>.exit` (how it learns the end of a process that is not its child).
 */
const WRAPPER = 'echo $$ > "$0.pid"; /bin/sh -c "$1"; code=$?; echo $code > "$0.exit"; exit $code';

/** How long a stopped process group gets between SIGTERM and SIGKILL. */
const KILL_AFTER_MS = 5000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True while `pid` runs (a zombie counts as ended). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * {@link Launcher} that runs a pipeline's script as a process of the dispatcher's host, in its own
 * process group (so `stop` ends everything it started, and a dispatcher that dies leaves it
 * running), stdout and stderr appended to `<logDir>/<uuid>.out|.err`.
 */
export class LocalLauncher implements Launcher {
  readonly type = 'local' as const;

  async launch(request: LaunchRequest): Promise<LaunchHandle> {
    const { env, logBase: base } = prepareLaunch(request);
    let out: number | undefined;
    let err: number | undefined;
    try {
      out = openSync(`${base}.out`, 'a');
      err = openSync(`${base}.err`, 'a');
      const child = spawn('/bin/sh', ['-c', WRAPPER, base, request.command], {
        detached: true,
        stdio: ['ignore', out, err],
        env,
      });
      const exited = new Promise<ExitStatus>((resolve) => {
        child.once('exit', (code, signal) =>
          resolve(code !== null ? { code } : { code: 128, ...(signal !== null && { signal }) }),
        );
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      child.unref();
      return { ref: String(child.pid), exited };
    } catch (cause) {
      throw new LaunchError(`cannot start ${request.command}: ${message(cause)}`, { cause });
    } finally {
      if (out !== undefined) closeSync(out);
      if (err !== undefined) closeSync(err);
    }
  }

  async find(uuid: string, logDir: string): Promise<LaunchHandle | undefined> {
    const base = join(logDir, uuid);
    let pid: number;
    try {
      pid = Number(readFileSync(`${base}.pid`, 'utf8').trim());
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return { ref: String(pid), exited: this.#watch(pid, base) };
  }

  /** `active` while the process exists on this host, else `gone` (no end was reported, or it ran elsewhere). */
  async status(ref: string): Promise<LaunchStatus> {
    const pid = Number(ref);
    if (!Number.isInteger(pid) || pid <= 0) return { kind: 'unknown', message: `not a process id: ${ref}` };
    return alive(pid) ? { kind: 'active', state: 'RUNNING' } : { kind: 'gone' };
  }

  async stop(ref: string): Promise<void> {
    const pid = Number(ref);
    if (!Number.isInteger(pid) || pid <= 0) return;
    const signal = (name: NodeJS.Signals): boolean => {
      try {
        process.kill(-pid, name);
        return true;
      } catch {
        return false;
      }
    };
    if (!signal('SIGTERM')) return;
    const deadline = Date.now() + KILL_AFTER_MS;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
    signal('SIGKILL');
  }

  /** The end of a process that is not our child: polled, its code read from `<base>.exit`. */
  async #watch(pid: number, base: string): Promise<ExitStatus> {
    while (alive(pid)) await sleep(500);
    try {
      return { code: Number(readFileSync(`${base}.exit`, 'utf8').trim()) };
    } catch {
      return { code: 128, signal: 'unknown' };
    }
  }
}
