import type { FastifyRequest } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import type { SenderAuth } from '../auth/sender-auth.js';
import type { UiSessions } from './ui-session.js';

/**
 * Who looks at the dashboard: an admin (a session cookie from sign-in, with its CSRF token; or
 * an `Authorization: Bearer` header, which a browser cannot forge across sites) or a reader
 * (loopback while the server runs open). Readers see everything but tokens and actions.
 */
export type Viewer =
  { readonly kind: 'admin'; readonly session?: string; readonly csrf?: string } | { readonly kind: 'reader' };

/** The viewer of `request`; throws the API's own credential errors when there is none. */
export function viewerOf(request: FastifyRequest, auth: SenderAuth, sessions: UiSessions): Viewer {
  const session = sessions.session(request);
  if (session !== undefined) return { kind: 'admin', session, csrf: sessions.csrfToken(session) };
  const sender = auth.identify(request);
  if (sender.kind === 'admin') return { kind: 'admin' };
  if (sender.kind === 'nonce') {
    throw new PipelineJobsError('forbidden', 'the dashboard needs a bearer token, not a nonce', { need: 'bearer' });
  }
  return { kind: 'reader' };
}
