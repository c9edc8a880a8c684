/** A structured log call: fields first, then the message (pino's signature). */
export type LogFn = (fields: Record<string, unknown>, message: string) => void;

/**
 * The logging the components need, structurally compatible with pino, so they never import a
 * logging library. Secrets are redacted by the logger the CLI builds.
 */
export interface Logger {
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
