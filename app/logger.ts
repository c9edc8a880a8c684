import { pino, type DestinationStream, type LoggerOptions, type Logger as PinoLogger } from 'pino';
import type { LogFormat, LogLevel } from '../config/config.js';

/** Paths pino blanks out wherever they appear in a log line: tokens, nonces, credentials. */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  'nonce',
  '*.nonce',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-nonce"]',
  'headers["x-nonce"]',
];

function options(level: LogLevel): LoggerOptions {
  return { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { pid: process.pid } };
}

/** The JSON logger of long-running commands (stdout, asynchronous writes, secrets redacted). */
export function createLogger(level: LogLevel, destination: NodeJS.WritableStream | number = 1): PinoLogger {
  const stream = typeof destination === 'number' ? pino.destination({ dest: destination, sync: false }) : destination;
  return pino(options(level), stream);
}

/**
 * A logger writing one human-readable line per entry (pino-pretty, loaded only when asked for),
 * redacted like the JSON one. Lines are formatted and written synchronously, so the last ones
 * before an exit are not lost.
 */
export async function createPrettyLogger(
  level: LogLevel,
  destination: NodeJS.WritableStream | number = 1,
  colorize = false,
): Promise<PinoLogger> {
  const { prettyFactory } = await import('pino-pretty');
  const prettify = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  const out = typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination;
  const stream: DestinationStream = { write: (line: string) => void out.write(prettify(line)) };
  return pino(options(level), stream);
}

/**
 * The logger of `pjm serve`, `manager` and `bridge` on stdout: JSON, or pretty lines when
 * `PJM_LOG_FORMAT` says so (`auto`: when stdout is a terminal, in colour there).
 */
export async function createServiceLogger(
  level: LogLevel,
  format: LogFormat,
  stdoutIsTTY: boolean,
): Promise<PinoLogger> {
  const pretty = format === 'pretty' || (format === 'auto' && stdoutIsTTY);
  return pretty ? createPrettyLogger(level, 1, stdoutIsTTY) : createLogger(level);
}
