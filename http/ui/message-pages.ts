import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';
import type { Viewer } from './ui-viewer.js';

/** A page that only says something: a refusal, an unknown job. */
export function messagePage(viewer: Viewer, title: string, message: string, offerLogin: boolean): SafeHtml {
  const body = html`<h1>${title}</h1>
    <p class="error">${message}</p>
    ${offerLogin ? html`<p><a href="/ui/login">Sign in with an admin token</a></p>` : ''}`;
  return layout({ title, viewer, body });
}

/** The sign-in form: an admin bearer token, exchanged for a session cookie. */
export function loginPage(next: string): SafeHtml {
  const body = html`<h1>Admin sign-in</h1>
    <form method="post" action="/ui/login" class="filters">
      <input type="hidden" name="next" value="${next}" />
      <label
        >Admin bearer token (<span class="mono">PJM_API_TOKENS</span>)
        <input type="password" name="token" autocomplete="current-password" required />
      </label>
      <button type="submit">Sign in</button>
    </form>
    <p class="note">The token is checked once and exchanged for a session cookie (HttpOnly, SameSite=Strict).</p>`;
  return layout({ title: 'Sign in', viewer: { kind: 'reader' }, body });
}
