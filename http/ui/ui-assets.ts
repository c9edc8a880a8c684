import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { CLIENT_SCRIPT } from './client-script.js';
import { STYLESHEET } from './styles.js';

/** htmx, vendored from npm (pinned in package.json) and served from here: the dashboard loads nothing from afar. */
const HTMX = readFileSync(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'), 'utf8');

const ASSETS: Readonly<Record<string, { readonly type: string; readonly body: string }>> = {
  'app.css': { type: 'text/css; charset=utf-8', body: STYLESHEET },
  'app.js': { type: 'text/javascript; charset=utf-8', body: CLIENT_SCRIPT },
  'htmx.min.js': { type: 'text/javascript; charset=utf-8', body: HTMX },
};

/** `GET /ui/assets/<name>`: the stylesheet, the dashboard script and htmx. */
export function registerUiAssets(app: FastifyInstance): void {
  app.get<{ Params: { name: string } }>('/ui/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = ASSETS[request.params.name];
    if (asset === undefined) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
  });
}
