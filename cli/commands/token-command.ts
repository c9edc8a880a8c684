import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { JobTokens } from '../../model/job-tokens.js';
import { isUuid } from '../../schemas/uuid-format.js';
import { EXIT, type Command } from '../command.js';
import { parseDuration } from '../duration.js';
import { usageError } from '../output.js';
import { loadOrCreateSecret } from '../../app/secret.js';

/**
 * `pjm token <uuid>`: issues a job token with the server secret (PJM_SECRET, or the embedded
 * secret in PJM_DATA_DIR): for an operator re-attaching a job whose token was lost or expired.
 */
export const tokenCommand: Command = {
  usage: `pjm token <uuid> [--ttl 72h]

Prints a new token for the job, signed with PJM_SECRET (or the embedded secret in PJM_DATA_DIR),
valid for --ttl (default PJM_TOKEN_TTL_SECONDS). Anyone with the secret can do this: it is an
operator's command, run where the server's configuration is.
`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ttl: { type: 'string' } },
    });
    const [uuid] = positionals;
    if (uuid === undefined || positionals.length > 1 || !isUuid(uuid)) throw usageError('expected one job uuid');
    const { loadConfig } = await import('../../config/load-config.js');
    const config = loadConfig(io.env);
    const secret = config.PJM_SECRET ?? loadOrCreateSecret(resolve(config.PJM_DATA_DIR));
    const ttl = values.ttl === undefined ? config.PJM_TOKEN_TTL_SECONDS : parseDuration(values.ttl);
    io.stdout.write(`${new JobTokens(secret, ttl).issue(uuid.toLowerCase(), new Date())}\n`);
    return EXIT.ok;
  },
};
