/**
 * The dashboard's own script, served as `/ui/assets/app.js` (plain browser JavaScript, no build
 * step). Pages work without it; it adds the live updates from `/ui/changes` (row badges change in
 * place, other changes wait behind a "N new — show" banner, a pause switch holds them all), the
 * connection indicator and its reconnection, the `/` shortcut to the jump box, and the copy
 * buttons. It writes user content with `textContent` only.
 */
export const CLIENT_SCRIPT = `(() => {
  'use strict';
  const $ = (selector, root) => (root || document).querySelector(selector);
  const announce = (text) => {
    const region = $('#live-region');
    if (region) region.textContent = text;
  };

  document.addEventListener('keydown', (event) => {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)))
      return;
    const jump = $('#jump');
    if (!jump) return;
    event.preventDefault();
    jump.focus();
    jump.select();
  });

  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
    if (!button) return;
    const value = button.getAttribute('data-copy') || '';
    const done = () => announce('Copied to the clipboard');
    if (navigator.clipboard) navigator.clipboard.writeText(value).then(done, () => announce('Copy failed'));
  });

  const main = $('main[data-live]');
  if (!main) return;
  const mode = main.getAttribute('data-live');
  const source = main.getAttribute('data-changes');
  const conn = $('#conn');
  const banner = $('#banner');
  const bannerText = $('#banner-text');
  const pause = $('#pause');
  const states = (main.getAttribute('data-states') || '').split(',').filter(Boolean);
  let pending = 0;
  let missed = false;
  let everOpen = false;
  let delay = 1000;

  const setConn = (state, text) => {
    if (!conn) return;
    conn.setAttribute('data-state', state);
    conn.textContent = text;
  };
  const showBanner = () => {
    if (!banner || !bannerText) return;
    if (pending === 0 && !missed) {
      banner.hidden = true;
      return;
    }
    const parts = [];
    if (pending > 0) parts.push(pending + (pending === 1 ? ' new change' : ' new changes'));
    if (missed) parts.push('reconnected: changes may have been missed');
    bannerText.textContent = parts.join('; ');
    banner.hidden = false;
  };
  document.addEventListener('htmx:afterSwap', () => {
    pending = 0;
    missed = false;
    showBanner();
  });

  const paint = (row, n) => {
    const badge = $('.badge', row);
    if (badge) {
      badge.textContent = n.state;
      badge.className = 'badge s-' + n.state;
    }
    const updated = $('[data-field="updated"]', row);
    if (updated) updated.textContent = n.date;
    const version = $('[data-field="version"]', row);
    if (version) version.textContent = String(n.version);
    row.classList.add('changed');
  };

  const onChange = (n) => {
    const paused = pause instanceof HTMLInputElement && pause.checked;
    if (mode === 'list') {
      const row = document.querySelector('tr[data-uuid="' + CSS.escape(n.uuid) + '"]');
      if (row && !paused) {
        paint(row, n);
        announce('Job ' + n.uuid.slice(0, 8) + ' is now ' + n.state);
        return;
      }
      if (states.length > 0 && !states.includes(n.state) && !row) return;
    }
    if (mode === 'job') {
      const badge = $('#job-state');
      if (badge && !paused) {
        badge.textContent = n.state;
        badge.className = 'badge s-' + n.state;
      }
      announce('This job is now ' + n.state + ' (' + n.event + ')');
    }
    pending += 1;
    showBanner();
  };

  let stream = null;
  const connect = () => {
    setConn('connecting', 'Connecting…');
    stream = new EventSource(source);
    stream.addEventListener('open', () => {
      if (everOpen) missed = true;
      everOpen = true;
      delay = 1000;
      setConn('open', 'Live');
      showBanner();
    });
    stream.addEventListener('state', (event) => {
      try {
        onChange(JSON.parse(event.data));
      } catch {
        /* a malformed notification is dropped */
      }
    });
    stream.addEventListener('error', () => {
      setConn('closed', 'Disconnected — reconnecting…');
      if (stream.readyState === EventSource.CLOSED) {
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 15000);
      }
    });
  };
  if (source) connect();
})();
`;
