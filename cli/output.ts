import type { CommandIo } from './command.js';

/** Writes `rows` under `headers` as left-aligned columns. */
export function writeTable(io: CommandIo, headers: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
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

/** A JSON object from a `--data` flag; a usage error otherwise. */
export function parseDataFlag(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError(`--data is not JSON: ${clip(text, 40)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw usageError('--data must be a JSON object');
  return value as Record<string, unknown>;
}

/** An error the CLI reports as a usage error (exit 2). */
export function usageError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
}
