import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PipelineJobsError } from '../../errors/index.js';
import type { EventBus } from '../../ports/event-bus.js';
import type { JobStore } from '../../ports/job-store.js';
import type { ApiTokens } from '../auth/api-tokens.js';
import type { BridgeContext } from '../bridge/bridge-context.js';
import { submitEvent } from '../bridge/submit-event.js';
import { HTTP_STATUS } from '../http-status.js';
import { isUuid } from '../../schemas/uuid-format.js';
import { registerChangesRoute } from '../query/changes-route.js';
import { bulkConfirmBody, bulkDoneBody, bulkForm } from './bulk-pages.js';
import { bulkEventId, bulkTargets } from './bulk-targets.js';
import { findJob } from './find-job.js';
import { html, render, type SafeHtml } from './html.js';
import { HISTORY_SHOWN, jobPage } from './job-page.js';
import { filterForm, jobsTable } from './jobs-page.js';
import { layout, type PageParts } from './layout.js';
import { filterQuery, parseFilterString, parseFilters, toListQuery } from './list-filters.js';
import { readOverview, type UiDeadLetters } from './overview-data.js';
import { overviewPage } from './overview-page.js';
import { registerUiAssets } from './ui-assets.js';
import { UI_ACTIONS, actionAllowed, isUiAction, type UiAction } from './ui-actions.js';
import { UiSessions } from './ui-session.js';
import { viewerOf, type Viewer } from './ui-viewer.js';
import { loginPage, messagePage } from './message-pages.js';

/** What the dashboard reads and acts with. */
export interface UiDeps {
  readonly store: JobStore;
  readonly bus: EventBus;
  /** The bridge's context: admin actions go through the same path as `POST /events`. */
  readonly bridge: BridgeContext;
  /** The admin bearer tokens a sign-in is checked against. */
  readonly apiTokens: ApiTokens;
  /** The dead letters the overview counts and an admin replays; none: the server keeps none. */
  readonly deadLetters?: UiDeadLetters;
}

const viewers = new WeakMap<FastifyRequest, Viewer>();

function viewer(request: FastifyRequest): Viewer {
  const v = viewers.get(request);
  if (v === undefined) throw new PipelineJobsError('credentials_missing', 'no viewer');
  return v;
}

function send(reply: FastifyReply, markup: SafeHtml, status = 200): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    .send(render(markup));
}

function page(reply: FastifyReply, parts: PageParts, status = 200): FastifyReply {
  return send(reply, layout(parts), status);
}

function form(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  return typeof body === 'object' && body !== null ? (body as Record<string, string>) : {};
}

function queryText(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

function baseUrl(request: FastifyRequest, configured: string | undefined): string {
  return (configured ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

function requireAdmin(request: FastifyRequest): Viewer {
  const v = viewer(request);
  if (v.kind !== 'admin') {
    throw new PipelineJobsError('credentials_missing', 'actions need an admin: sign in with an admin bearer token', {
      accepted: ['Authorization: Bearer'],
    });
  }
  return v;
}

/** An action needs an admin; with a session cookie it also needs the session's CSRF token. */
function requireAction(request: FastifyRequest, sessions: UiSessions): void {
  const v = requireAdmin(request);
  if (v.kind === 'admin' && v.session !== undefined && !sessions.checkCsrf(v.session, form(request)['csrf'])) {
    throw new PipelineJobsError('forbidden', 'the form’s CSRF token is missing or stale: reload the page and retry', {
      need: 'csrf',
    });
  }
}

/** The dashboard action a form names, if it is one. */
function uiAction(value: unknown): UiAction {
  if (!isUiAction(value))
    throw new PipelineJobsError('unknown_event', `the dashboard does not send "${String(value)}"`, {});
  return value;
}

/**
 * Sends `action`'s events to each job, a few jobs at a time: the last one published without waiting,
 * any before it (a retry's reset) waiting for its verdict, since several managers may take a job's
 * events in any order. Counts the jobs refused (by code).
 */
async function sendBulk(
  bridge: BridgeContext,
  reply: FastifyReply,
  action: UiAction,
  uuids: readonly string[],
  batch: string,
): Promise<Map<string, number>> {
  const refused = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < uuids.length; i = next++) {
      const uuid = uuids[i] as string;
      try {
        const events = UI_ACTIONS[action];
        for (const [step, name] of events.entries()) {
          const message = {
            id: bulkEventId(batch, uuid, step),
            uuid,
            name,
            source: 'ui',
            data: { via: 'dashboard', batch },
          };
          await submitEvent(bridge, reply, { kind: 'admin' }, message, step < events.length - 1);
        }
      } catch (err) {
        if (!(err instanceof PipelineJobsError)) throw err;
        refused.set(err.code, (refused.get(err.code) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: BULK_SENDERS }, worker));
  return refused;
}

/** Events a bulk action has in flight at once. */
const BULK_SENDERS = 8;

/**
 * The dashboard at `/ui/`: server-rendered pages (overview, jobs list, job page), sign-in for
 * admins, admin actions, the live stream `/ui/changes` and the assets. Reading follows the API's
 * rules (a bearer token, a session made from one, or loopback while the server runs open).
 */
export function registerUi(app: FastifyInstance, deps: UiDeps): void {
  const { store, bridge } = deps;
  const sessions = new UiSessions(bridge.clock);
  registerUiAssets(app);

  void app.register(async (ui) => {
    ui.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    ui.setErrorHandler(async (err, request, reply) => {
      if (!(err instanceof PipelineJobsError)) throw err;
      const status = HTTP_STATUS[err.code] ?? 500;
      const known = viewers.get(request) ?? { kind: 'reader' };
      return send(reply, messagePage(known, `${status} ${err.code}`, err.message, status === 401), status);
    });

    ui.get('/ui/login', { schema: { hide: true } }, async (request, reply) =>
      send(reply, loginPage(queryText(request, 'next') || '/ui/')),
    );
    ui.post('/ui/login', { schema: { hide: true } }, async (request, reply) => {
      const fields = form(request);
      const token = fields['token'] ?? '';
      if (!deps.apiTokens.accepts(token))
        throw new PipelineJobsError('credentials_invalid', 'the bearer token is not valid');
      sessions.open(request, reply);
      const next = fields['next'] ?? '/ui/';
      return reply.redirect(next.startsWith('/ui/') ? next : '/ui/', 303);
    });

    void ui.register(async (reads) => {
      reads.addHook('onRequest', async (request) => {
        viewers.set(request, viewerOf(request, bridge.auth, sessions));
      });
      registerChangesRoute(reads, deps.bus, { path: '/ui/changes', hidden: true });

      reads.get('/ui', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/ui/', 301));
      reads.get('/ui/', { schema: { hide: true } }, async (request, reply) => {
        const now = bridge.clock();
        const body = overviewPage(await readOverview(store, now, deps.deadLetters), viewer(request));
        return page(reply, {
          title: 'Overview',
          viewer: viewer(request),
          body,
          live: 'overview',
          changes: '/ui/changes',
          self: '/ui/',
        });
      });

      reads.get('/ui/jobs', { schema: { hide: true } }, async (request, reply) => {
        const filters = parseFilters(request.query as Record<string, unknown>);
        const result = await store.list(toListQuery(filters, bridge.clock()));
        const query = filterQuery(filters);
        const body = html`<h1>Jobs</h1>
          ${filterForm(filters)} ${bulkForm(filters, viewer(request))} ${jobsTable(result, filters)}`;
        // The stream takes identifier-like pipeline names only (as the API creates them); others get every change.
        const changes =
          filters.pipeline === undefined || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(filters.pipeline)
            ? '/ui/changes'
            : `/ui/changes?pipeline=${encodeURIComponent(filters.pipeline)}`;
        return page(reply, {
          title: 'Jobs',
          viewer: viewer(request),
          body,
          live: 'list',
          changes,
          states: filters.states,
          self: `/ui/jobs${query === '' ? '' : `?${query}`}`,
        });
      });

      reads.get('/ui/jobs/bulk', { schema: { hide: true } }, async (request, reply) => {
        const v = requireAdmin(request);
        const filters = parseFilterString(queryText(request, 'filters'));
        const action = uiAction(queryText(request, 'event'));
        const targets = await bulkTargets(store, filters, action, bridge.clock());
        const body = bulkConfirmBody(filters, action, targets, v, randomUUID());
        return page(reply, { title: `Bulk ${action}`, viewer: v, body });
      });

      reads.post('/ui/jobs/bulk', { schema: { hide: true } }, async (request, reply) => {
        requireAction(request, sessions);
        const fields = form(request);
        const filters = parseFilterString(fields['filters'] ?? '');
        const action = uiAction(fields['event']);
        const batch = fields['batch'] ?? '';
        if (!isUuid(batch)) throw new PipelineJobsError('schema_violation', 'batch must be a uuid', { field: 'batch' });
        const targets = await bulkTargets(store, filters, action, bridge.clock());
        if (targets.tooMany) {
          return page(reply, {
            title: `Bulk ${action}`,
            viewer: viewer(request),
            body: bulkConfirmBody(filters, action, targets, viewer(request), batch),
          });
        }
        const refused = await sendBulk(bridge, reply, action, targets.uuids, batch);
        const sent = targets.uuids.length - [...refused.values()].reduce((a, b) => a + b, 0);
        const expected = Number(fields['expected'] ?? sent);
        const body = bulkDoneBody(filters, { action, sent, expected, refused });
        return page(reply, { title: `Bulk ${action}`, viewer: viewer(request), body });
      });

      reads.get('/ui/find', { schema: { hide: true } }, async (request, reply) => {
        const q = queryText(request, 'q').slice(0, 64);
        const uuid = q.trim() === '' ? undefined : await findJob(store, q);
        if (uuid !== undefined) return reply.redirect(`/ui/jobs/${uuid}`, 303);
        const body = html`<h1>No job found</h1>
          <p>No job matches <span class="mono">${q}</span> (a uuid, a ULID, or a prefix of either).</p>`;
        return page(reply, { title: 'Not found', viewer: viewer(request), body, jump: q }, 404);
      });

      const showJob = async (request: FastifyRequest, reply: FastifyReply, uuid: string, revealed = false) => {
        const job = await store.get(uuid.toLowerCase());
        if (job === undefined) throw new PipelineJobsError('unknown_job', `no job with uuid ${uuid}`, { uuid });
        const after = Math.max(0, job.version - HISTORY_SHOWN);
        const history = await store.history(job.uuid, after > 0 ? { afterVersion: after } : {});
        const v = viewer(request);
        const done = (request.query as Record<string, unknown> | undefined)?.['done'];
        const token = revealed ? bridge.tokens.forJob(job.uuid, job.creator ?? 'admin') : undefined;
        const body = jobPage(
          {
            job,
            history,
            viewer: v,
            base: baseUrl(request, bridge.publicUrl),
            ...(token !== undefined && { revealedToken: token }),
            ...(isUiAction(done) && { notice: `Sent “${done}”.` }),
          },
          bridge.clock(),
        );
        return page(reply, {
          title: `Job ${job.uuid.slice(0, 8)}`,
          viewer: v,
          body,
          live: 'job',
          changes: `/ui/changes?uuid=${job.uuid}`,
          self: `/ui/jobs/${job.uuid}`,
        });
      };
      const uuidParams = { type: 'object', properties: { uuid: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } } };

      reads.get<{ Params: { uuid: string } }>(
        '/ui/jobs/:uuid',
        { schema: { hide: true, params: uuidParams } },
        async (request, reply) => showJob(request, reply, request.params.uuid),
      );

      reads.post<{ Params: { uuid: string } }>(
        '/ui/jobs/:uuid/token',
        { schema: { hide: true, params: uuidParams } },
        async (request, reply) => {
          requireAction(request, sessions);
          return showJob(request, reply, request.params.uuid, true);
        },
      );

      reads.post<{ Params: { uuid: string } }>(
        '/ui/jobs/:uuid/events',
        { schema: { hide: true, params: uuidParams } },
        async (request, reply) => {
          requireAction(request, sessions);
          const uuid = request.params.uuid.toLowerCase();
          const job = await store.get(uuid);
          if (job === undefined) throw new PipelineJobsError('unknown_job', `no job with uuid ${uuid}`, { uuid });
          const action = uiAction(form(request)['event']);
          if (!actionAllowed(action, job.state)) {
            throw new PipelineJobsError('illegal_transition', `"${action}" is not allowed in state ${job.state}`, {
              state: job.state,
              event: action,
            });
          }
          // Each event waits for its verdict, so a retry's ready is sent only once its reset applied.
          for (const name of UI_ACTIONS[action]) {
            await submitEvent(
              bridge,
              reply,
              { kind: 'admin' },
              { id: randomUUID(), uuid, name, source: 'ui', data: { via: 'dashboard' } },
              true,
            );
          }
          return reply.redirect(`/ui/jobs/${uuid}?done=${action}`, 303);
        },
      );

      reads.post('/ui/dead/replay', { schema: { hide: true } }, async (request, reply) => {
        requireAction(request, sessions);
        const code = form(request)['code'] ?? '';
        if (deps.deadLetters === undefined || !/^[a-z][a-z0-9_]{0,63}$/.test(code))
          throw new PipelineJobsError('schema_violation', 'code must be a reason code of the dead letters', {
            field: 'code',
          });
        const { replayed, unverified } = await deps.deadLetters.replayCode(code);
        const body = html`<h1>Replayed ${replayed} dead letter${replayed === 1 ? '' : 's'}</h1>
          <p>Reason code <span class="mono">${code}</span>: each sent back with its event id, so it applies once.</p>
          ${
            unverified === 0
              ? ''
              : html`<p class="note">
                  ${unverified} left waiting: their token was not verified when they were refused. Check them and replay
                  with <span class="mono">pjm dead replay --code ${code} --force</span>.
                </p>`
          }
          <p><a href="/ui/">Back to the overview</a></p>`;
        return page(reply, { title: 'Replay', viewer: viewer(request), body });
      });

      reads.post('/ui/logout', { schema: { hide: true } }, async (request, reply) => {
        requireAction(request, sessions);
        sessions.close(reply);
        return reply.redirect('/ui/', 303);
      });
    });
  });
}
