import { readFileSync } from 'node:fs';
import { PipelineJobsError } from '../errors/index.js';
import { parseRegistry } from './parse-registry.js';
import type { PipelineRegistry } from './pipeline-registry.js';

/**
 * Reads and parses the registry file at `file`.
 *
 * @throws PipelineJobsError `invalid_registry` when it cannot be read or is invalid.
 */
export function readRegistry(file: string): PipelineRegistry {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'does not exist'
        : `cannot be read (${(err as Error).message})`;
    throw new PipelineJobsError(
      'invalid_registry',
      `invalid pipeline registry ${file}: the file ${reason}`,
      { file, errors: [{ key: '', reason }] },
      { cause: err },
    );
  }
  return parseRegistry(text, file);
}
