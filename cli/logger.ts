import { pino, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from '../schemas/types.js';

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

/** The JSON logger of long-running commands (stdout, asynchronous writes, secrets redacted). */
export function createLogger(level: LogLevel, destination: NodeJS.WritableStream | number = 1): PinoLogger {
  const stream = typeof destination === 'number' ? pino.destination({ dest: destination, sync: false }) : destination;
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { pid: process.pid } }, stream);
}

/** A URL fit for a log line: credentials and query removed. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}
