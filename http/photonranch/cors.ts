import type { FastifyInstance } from 'fastify';

/**
 * The seed's CORS headers on every Photon Ranch answer (errors included) and a preflight answer:
 * `Access-Control-Allow-Origin` — `*` when the origins are `*`, as the seed sends it, else the
 * caller's `Origin` when it is one of `origins` (with `Vary: Origin`), else none — and
 * `Access-Control-Allow-Credentials: true`, as the seed sends it.
 */
export function addCors(app: FastifyInstance, origins: readonly string[]): void {
  const any = origins.includes('*');
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (any) reply.header('access-control-allow-origin', '*');
    else if (origin !== undefined && origins.includes(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
    }
    reply.header('access-control-allow-credentials', 'true');
  });
  app.options('/*', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'Authorization, Content-Type, x-nonce')
      .header('access-control-max-age', '600')
      .send(),
  );
}
