import { parseArgs } from 'node:util';
import { newNonce } from '../../model/nonce-value.js';
import type { NonceRecord, NonceScope, NonceStore } from '../../ports/nonce-store.js';
import { EXIT, type Command, type CommandIo } from '../command.js';
import { parseDuration } from '../duration.js';
import { usageError } from '../output.js';

const SCOPES: readonly NonceScope[] = ['events', 'create', 'all', 'claim'];

function row(n: NonceRecord, now: Date): string {
  const status =
    n.revoked !== undefined
      ? 'revoked'
      : n.expires !== undefined && Date.parse(n.expires) <= now.getTime()
        ? 'expired'
        : n.maxUses !== undefined && n.uses >= n.maxUses
          ? 'exhausted'
          : 'live';
  const uses = n.maxUses === undefined ? `${n.uses}` : `${n.uses}/${n.maxUses}`;
  return [
    n.id,
    n.scope.padEnd(6),
    status.padEnd(9),
    uses.padEnd(9),
    (n.expires ?? 'never').padEnd(24),
    n.label ?? '',
  ].join('  ');
}

async function withStore<T>(io: CommandIo, action: (store: NonceStore) => Promise<T>): Promise<T> {
  const [{ loadConfig }, { openNonceStore }] = await Promise.all([
    import('../../config/load-config.js'),
    import('../../app/compose.js'),
  ]);
  const store = await openNonceStore(loadConfig(io.env));
  try {
    return await action(store);
  } finally {
    await store.close();
  }
}

/**
 * `pjm nonce create|list|revoke`: sender nonces for callers that cannot send headers (Agave,
 * Slurm). Works on the store the configuration names, so it runs where the store is reachable.
 */
export const nonceCommand: Command = {
  usage: `pjm nonce create --scope events|create|all|claim [--site S] [--max-uses N] [--ttl 24h] [--label TEXT] [--json]
pjm nonce list [--json]
pjm nonce revoke <id>

A nonce is shown once, at creation; only its SHA-256 is stored. Give it to a caller as
?x-nonce=<value> (or an x-nonce header). Scope events covers POST /events and /callbacks/*,
create covers POST /jobs; the per-job token is still required for events. Scope claim makes a
site key: POST /claims for --site only, and events for that site's jobs.
  --scope      what the nonce may do (required)
  --site       the site of a claim nonce (required with --scope claim)
  --max-uses   uses in total (default: unlimited)
  --ttl        lifetime: 90s, 30m, 24h, 7d (default: none)
  --label      who or what it is for
  --json       machine-readable output
`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        scope: { type: 'string' },
        site: { type: 'string' },
        'max-uses': { type: 'string' },
        ttl: { type: 'string' },
        label: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const [action, ...rest] = positionals;
    const now = new Date();
    switch (action) {
      case 'create': {
        const scope = values.scope as NonceScope | undefined;
        if (scope === undefined || !SCOPES.includes(scope))
          throw usageError(`--scope must be one of ${SCOPES.join(', ')}`);
        if ((scope === 'claim') !== (values.site !== undefined))
          throw usageError('--site goes with --scope claim, and only with it');
        const maxUses = values['max-uses'] === undefined ? undefined : Number(values['max-uses']);
        if (maxUses !== undefined && (!Number.isSafeInteger(maxUses) || maxUses < 1))
          throw usageError('--max-uses must be a positive integer');
        const ttlSeconds = values.ttl === undefined ? undefined : parseDuration(values.ttl);
        const { value, record } = newNonce(
          {
            scope,
            ...(values.site !== undefined && { site: values.site }),
            ...(maxUses !== undefined && { maxUses }),
            ...(ttlSeconds !== undefined && { ttlSeconds }),
            ...(values.label !== undefined && { label: values.label }),
          },
          now,
        );
        await withStore(io, (store) => store.create(record));
        io.stdout.write(values.json ? `${JSON.stringify({ value, ...record })}\n` : `${value}\n`);
        if (!values.json)
          io.stderr.write(
            `nonce ${record.id} (scope ${scope}${values.site === undefined ? '' : `, site ${values.site}`}) ` +
              `created; its value is shown only this once\n`,
          );
        return EXIT.ok;
      }
      case 'list': {
        const nonces = await withStore(io, (store) => store.list());
        if (values.json) io.stdout.write(`${JSON.stringify(nonces)}\n`);
        else {
          const header = ['ID              ', 'SCOPE ', 'STATUS   ', 'USES     ', 'EXPIRES                 ', 'LABEL'];
          io.stdout.write(`${header.join('  ')}\n${nonces.map((n) => `${row(n, now)}\n`).join('')}`);
        }
        return EXIT.ok;
      }
      case 'revoke': {
        const [id] = rest;
        if (id === undefined) throw usageError('revoke needs the nonce id (see pjm nonce list)');
        if (!(await withStore(io, (store) => store.revoke(id, now)))) {
          io.stderr.write(`pjm nonce: no live nonce ${id}\n`);
          return EXIT.failure;
        }
        io.stdout.write(`revoked ${id}\n`);
        return EXIT.ok;
      }
      default:
        throw usageError('expected create, list or revoke');
    }
  },
};
