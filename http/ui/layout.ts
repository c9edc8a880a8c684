import { html, type SafeHtml } from './html.js';
import type { Viewer } from './ui-viewer.js';

/** What a page needs besides its body. */
export interface PageParts {
  readonly title: string;
  readonly viewer: Viewer;
  readonly body: SafeHtml;
  /** `list`, `job` or `overview`: turns on the live updates for that page. */
  readonly live?: 'list' | 'job' | 'overview';
  /** The `/ui/changes` URL the page listens to. */
  readonly changes?: string;
  /** States the list shows (a change into another state is not announced as new). */
  readonly states?: readonly string[];
  /** The jump box's value. */
  readonly jump?: string;
  /** This page's own URL: what "show" fetches again. */
  readonly self?: string;
}

/** htmx must not inject its indicator styles: the page's CSP allows no inline style. */
const HTMX_CONFIG = JSON.stringify({ includeIndicatorStyles: false, allowEval: false });

function liveBar(parts: PageParts): SafeHtml {
  if (parts.live === undefined) return html``;
  const show =
    parts.live === 'list'
      ? html`<button
          type="button"
          hx-get="${parts.self}"
          hx-select="#jobs-table"
          hx-target="#jobs-table"
          hx-swap="outerHTML"
        >
          Show
        </button>`
      : html`<a href="${parts.self}">Show</a>`;
  return html`<div class="live">
    <span id="conn" class="conn" data-state="connecting" role="status">Live updates need JavaScript</span>
    <label><input type="checkbox" id="pause" /> Pause live updates</label>
    <div id="banner" class="banner" hidden><span id="banner-text"></span> — ${show}</div>
  </div>`;
}

/** The page shell: header with navigation and the jump box, the live region, the scripts. */
export function layout(parts: PageParts): SafeHtml {
  const who =
    parts.viewer.kind === 'admin'
      ? parts.viewer.session !== undefined
        ? html`<form method="post" action="/ui/logout">
            <input type="hidden" name="csrf" value="${parts.viewer.csrf}" /><button type="submit">Sign out</button>
          </form>`
        : html`<span class="note">admin</span>`
      : html`<a href="/ui/login">Admin sign-in</a>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="htmx-config" content="${HTMX_CONFIG}" />
        <title>${parts.title} · pjm</title>
        <link rel="stylesheet" href="/ui/assets/app.css" />
        <script src="/ui/assets/htmx.min.js" defer></script>
        <script src="/ui/assets/app.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/ui/">pjm</a>
          <nav aria-label="Main">
            <a href="/ui/">Overview</a><a href="/ui/jobs">Jobs</a><a href="/ui/jobs?state=FAILED">Failed</a>
          </nav>
          <form class="jump" method="get" action="/ui/find" role="search">
            <label class="visually-hidden" for="jump">Jump to a job (uuid, ULID or prefix)</label>
            <input id="jump" name="q" placeholder="uuid / ULID / prefix — press /" value="${parts.jump ?? ''}" />
            <button type="submit">Go</button>
          </form>
          ${who}
        </header>
        <main
          id="main"
          data-live="${parts.live}"
          data-changes="${parts.changes}"
          data-states="${(parts.states ?? []).join(',')}"
        >
          ${liveBar(parts)} ${parts.body}
        </main>
        <div id="live-region" class="visually-hidden" aria-live="polite"></div>
      </body>
    </html>`;
}
