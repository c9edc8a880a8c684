import { readFile } from 'node:fs/promises';
import type { CommandIo } from './command.js';

/** Writes `rows` under `headers` as left-aligned columns. */
export function writeTable(io: CommandIo, headers: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  io.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

/** Writes `value` as one line of JSON. */
export function writeJson(io: CommandIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/** `text` cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The JSON object a `--data` flag gives: the JSON itself, `@FILE` for a file's contents or `-`
 * for standard input (payloads too large for a command line). Anything else is a usage error.
 */
export async function readDataFlag(
  text: string | undefined,
  io: CommandIo,
): Promise<Record<string, unknown> | undefined> {
  if (text === undefined) return undefined;
  let json: string;
  let origin: string;
  if (text === '-') {
    if (io.stdin === undefined) throw usageError('--data -: there is no standard input to read');
    json = await readAll(io.stdin);
    origin = 'standard input';
  } else if (text.startsWith('@')) {
    const path = text.slice(1);
    try {
      json = await readFile(path, 'utf8');
    } catch (err) {
      throw usageError(`--data ${text}: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    origin = path;
  } else {
    json = text;
    origin = clip(text, 40);
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw usageError(`--data is not JSON: ${origin}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw usageError('--data must be a JSON object');
  return value as Record<string, unknown>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** An error the CLI reports as a usage error (exit 2). */
export function usageError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
}
