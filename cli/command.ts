/** Where a command writes; injected so commands can be tested without a child process. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** One `pjm` subcommand. `run` resolves to the process exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: string[], io: CommandIo): Promise<number>;
}

/** Exit codes scripts can rely on. */
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
} as const;
