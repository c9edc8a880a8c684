import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** Words the shell runs itself: never looked up on PATH. */
const SHELL_WORDS = new Set([
  '.',
  ':',
  '[',
  'cd',
  'echo',
  'eval',
  'exec',
  'exit',
  'export',
  'false',
  'printf',
  'read',
  'set',
  'source',
  'test',
  'trap',
  'true',
  'ulimit',
  'umask',
  'unset',
  'wait',
  'if',
  'for',
  'while',
  'until',
  'case',
  '{',
  '(',
]);

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Why the first command of a script cannot run here, or undefined when it can (or the shell runs
 * it itself). Leading `NAME=value` words are skipped; a word with a `/` is a path (relative to the
 * working directory), any other is looked up on `path`.
 */
export function missingCommand(command: string, path: string | undefined): string | undefined {
  const words = command.trim().split(/\s+/);
  const program = words.find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
  if (program === undefined || program === '' || SHELL_WORDS.has(program) || /^[({]/.test(program)) return undefined;
  if (program.includes('/')) {
    const full = isAbsolute(program) ? program : resolve(program);
    return executable(full) ? undefined : `command not found or not executable: ${program}`;
  }
  const found = (path ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, program)));
  return found ? undefined : `command not found: ${program} (PATH=${path ?? ''})`;
}
