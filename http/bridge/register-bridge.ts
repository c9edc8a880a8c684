import type { FastifyInstance } from 'fastify';
import { createAjv } from '../../schemas/index.js';
import type { BridgeContext } from './bridge-context.js';
import { registerCreateRoute } from './create-route.js';
import { registerEventRoutes } from './event-routes.js';

const queryAjv = createAjv('http-query');

/**
 * The bridge's write routes (`POST /jobs`, `/events`, `/callbacks/*`) in their own encapsulated
 * context: every body arrives as raw bytes, whatever its content type, and is parsed by the
 * `schemas/` parse functions, so size, depth, key-count and schema refusals carry the same codes
 * over HTTP as over AMQP. Body schemas on these routes document the API (OpenAPI); the parse
 * functions enforce them.
 */
export function registerBridge(app: FastifyInstance, context: BridgeContext): void {
  void app.register(async (bridge) => {
    bridge.removeAllContentTypeParsers();
    bridge.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    bridge.setValidatorCompiler(({ schema, httpPart }) =>
      httpPart === 'body' ? () => true : queryAjv.compile(schema),
    );
    registerCreateRoute(bridge, context);
    registerEventRoutes(bridge, context);
  });
}
