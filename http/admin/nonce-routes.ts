import type { FastifyInstance } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import { newNonce } from '../../model/nonce-value.js';
import type { NonceScope, NonceStore } from '../../ports/nonce-store.js';
import type { SenderAuth } from '../auth/sender-auth.js';

interface NonceBody {
  scope: NonceScope;
  site?: string;
  label?: string;
  maxUses?: number;
  ttlSeconds?: number;
}

const nonceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['scope'],
  properties: {
    scope: { type: 'string', enum: ['events', 'create', 'all', 'claim'] },
    site: { type: 'string', minLength: 1, maxLength: 128, description: 'The site of a claim nonce (a site key).' },
    label: { type: 'string', maxLength: 256 },
    maxUses: { type: 'integer', minimum: 1 },
    ttlSeconds: { type: 'integer', minimum: 1 },
  },
} as const;

/**
 * Nonce management for admins (bearer token only): `POST /nonces` answers the nonce value once,
 * `GET /nonces` lists the stored records (hashes, never values), `DELETE /nonces/:id` revokes.
 */
export function registerNonceRoutes(
  app: FastifyInstance,
  auth: SenderAuth,
  nonces: NonceStore,
  clock: () => Date,
): void {
  const admin = (request: Parameters<SenderAuth['identify']>[0]): void =>
    auth.requireAdmin(auth.identify(request), 'nonce management');

  app.post<{ Body: NonceBody }>(
    '/nonces',
    { schema: { summary: 'Create a sender nonce (admin)', body: nonceBody } },
    async (request, reply) => {
      admin(request);
      const { value, record } = newNonce(request.body, clock());
      await nonces.create(record);
      return reply.code(201).send({ value, ...record });
    },
  );

  app.get('/nonces', { schema: { summary: 'List sender nonces (admin)' } }, async (request) => {
    admin(request);
    return { nonces: await nonces.list() };
  });

  app.delete<{ Params: { id: string } }>(
    '/nonces/:id',
    {
      schema: {
        summary: 'Revoke a sender nonce (admin)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{16}$' } } },
      },
    },
    async (request) => {
      admin(request);
      if (!(await nonces.revoke(request.params.id, clock())))
        throw new PipelineJobsError('not_found', `no live nonce ${request.params.id}`, { id: request.params.id });
      return { id: request.params.id, revoked: true };
    },
  );
}
