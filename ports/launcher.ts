import type { LauncherType } from '../model/job.js';

/** What a launcher needs to start one job's script. */
export interface LaunchRequest {
  readonly uuid: string;
  readonly pipeline: string;
  /** The pipeline's `script`, a shell command line. */
  readonly command: string;
  /** Variables added to the dispatcher's own environment for the script (job env, PJM_URL, PJM_JOB_*). */
  readonly env: Readonly<Record<string, string>>;
  /** Absolute directory of `<uuid>.out` and `<uuid>.err`; created when missing. */
  readonly logDir: string;
  /** slurm: `sbatch` options (the tracking comment and mail types, then the pipeline's own). */
  readonly sbatch: readonly string[];
}

/** How a locally run script ended. */
export interface ExitStatus {
  /** The exit code; with a signal, 128 + its number as a shell reports it. */
  readonly code: number;
  readonly signal?: string;
}

/** A started launch. */
export interface LaunchHandle {
  /** The process id (local) or Slurm job id. */
  readonly ref: string;
  /**
   * Settles when the script ends (local); absent when the scheduler reports the end itself
   * (slurm, through its MailProg). Never rejects.
   */
  readonly exited?: Promise<ExitStatus>;
}

/**
 * What the launcher can tell about a launched job, for the reaper (docs/heartbeats.md): still
 * there (`active`, with the scheduler's state), ended with the scheduler's final state, gone
 * without a word (a local process that no longer exists), or `unknown` (the launcher cannot tell).
 */
export type LaunchStatus =
  | { readonly kind: 'active'; readonly state: string }
  | { readonly kind: 'ended'; readonly state: string; readonly exitCode?: string; readonly reason?: string }
  | { readonly kind: 'gone' }
  | { readonly kind: 'unknown'; readonly message: string };

/** The launcher refused or could not start the job; `message` is the launcher's own account. */
export class LaunchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LaunchError';
  }
}

/**
 * Starts pipeline scripts for the dispatcher (`actors/dispatcher.ts`). Adapters: local processes
 * and Slurm's `sbatch` (`adapters/launcher/`). No process or scheduler type crosses this interface.
 */
export interface Launcher {
  readonly type: LauncherType;
  /** Starts the script; rejects with {@link LaunchError} when it cannot (nothing is left running then). */
  launch(request: LaunchRequest): Promise<LaunchHandle>;
  /**
   * Finds a launch a dispatcher started but did not record (it stopped in between): its ref, or
   * undefined when it never started. Local: the pid file in `logDir`; slurm: the job's comment tag.
   */
  find(uuid: string, logDir: string): Promise<LaunchHandle | undefined>;
  /** Stops a launched job (local: its process group; slurm: `scancel`). Stopping an ended job is harmless. */
  stop(ref: string): Promise<void>;
  /**
   * Where the launched job `ref` stands now (local: whether the process exists on this host;
   * slurm: `scontrol show job`, then `sacct` once the controller has forgotten it). Never rejects.
   */
  status(ref: string): Promise<LaunchStatus>;
}
