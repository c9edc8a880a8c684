/** Where a command reads and writes; injected so commands can be tested without a child process. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** What `--data -` reads; without it, `--data -` is a usage error. */
  readonly stdin?: NodeJS.ReadableStream;
}

/** What one `pjm` subcommand does. `run` resolves to the process exit code. */
export interface Command {
  readonly usage: string;
  run(args: string[], io: CommandIo): Promise<number>;
}

/**
 * A `pjm` subcommand as the command list names it. Its module is imported only when the command
 * runs or prints its usage, so no command pays for another's dependencies (the server's
 * fastify, mongodb, amqplib and better-sqlite3 cost about a second).
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/** Exit codes scripts can rely on (the main help and the README list them). */
export const EXIT = {
  ok: 0,
  /** Anything else that went wrong (a failed MailProg delivery, an internal error). */
  failure: 1,
  /** A bad flag or argument, or invalid configuration: nothing was attempted. */
  usage: 2,
  /** The server refused the request with a code (illegal transition, bad token, unknown job …). */
  refused: 3,
  /** The server could not be reached. */
  unreachable: 4,
  /**
   * The server took the event but the manager gave no verdict within the wait: the event waits
   * for an earlier one (e.g. `finish` before `run`) and will be applied or dead-lettered, or no
   * manager is taking events.
   */
  pending: 5,
  /**
   * Standard output was closed before everything was written (`pjm ls | head -1`):
   * 128 + SIGPIPE, as a shell reports a tool killed by SIGPIPE.
   */
  closedOutput: 141,
} as const;
