import type { LaunchStatus } from '../../../ports/launcher.js';

/** Slurm job states after which the job will not run again (its final word). */
const FINAL_STATES: ReadonlySet<string> = new Set([
  'COMPLETED',
  'FAILED',
  'TIMEOUT',
  'CANCELLED',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
]);

/** A Slurm state word as reported (`CANCELLED by 0`, `CANCELLED+`) reduced to its name. */
function baseState(word: string): string {
  return (word.trim().split(/[\s+]/)[0] ?? '').toUpperCase();
}

function statusOf(state: string, exitCode: string | undefined, reason: string | undefined): LaunchStatus {
  const base = baseState(state);
  if (!FINAL_STATES.has(base)) return { kind: 'active', state: base };
  return {
    kind: 'ended',
    state: base,
    ...(exitCode !== undefined && exitCode !== '' && { exitCode }),
    ...(reason !== undefined && reason !== '' && reason !== 'None' && { reason }),
  };
}

/** The status in one line of `scontrol show job <id> --oneliner`, or undefined when it names no state. */
export function parseScontrolStatus(line: string): LaunchStatus | undefined {
  const state = / JobState=(\S+)/.exec(` ${line}`)?.[1];
  if (state === undefined) return undefined;
  return statusOf(state, / ExitCode=(\S+)/.exec(line)?.[1], / Reason=(\S+)/.exec(line)?.[1]);
}

/** The status in the first line of `sacct -j <id> -X -n -P -o State,ExitCode`, or undefined when empty. */
export function parseSacctStatus(output: string): LaunchStatus | undefined {
  const line = output.split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return undefined;
  const [state = '', exitCode] = line.split('|');
  return statusOf(state, exitCode?.trim(), undefined);
}
