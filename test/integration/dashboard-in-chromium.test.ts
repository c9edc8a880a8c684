import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import t from 'tap';
import { SqliteJobStore } from '../../adapters/store/sqlite/sqlite-job-store.js';
import { buildNewJob } from '../../model/new-job.js';
import { exited, spawnPjm } from '../helpers/child-process.js';
import { freePort } from '../helpers/free-port.js';
import { servicesRequired } from '../helpers/services.js';

// The dashboard in real Chromium (Debian's package), against a real `pjm serve` on the embedded
// default: pages, live updates, reconnection, admin actions with CSRF, refusals, hostile content,
// axe-core on every page in light and dark, and screenshots into artifacts/ui/.

const CHROMIUM = '/usr/bin/chromium';
const ADMIN = 'dashboard-admin-token-0123456789';
const SHOTS = join(process.cwd(), 'artifacts', 'ui');
const HOSTILE_PIPELINE = '"><img src=x onerror="window.__pwned=4">';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

if (!existsSync(CHROMIUM)) {
  if (servicesRequired()) t.fail(`${CHROMIUM} is missing (apt-get install chromium)`);
  else t.plan(0, `${CHROMIUM} is missing (apt-get install chromium)`);
} else {
  await run();
}

/** What the page functions below use of the browser's globals (the project compiles without the DOM library). */
interface InPage {
  __pwned?: number;
  __same?: boolean;
  innerWidth: number;
  document: { documentElement: { scrollWidth: number }; activeElement: { id: string } | null };
  axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> };
}

interface Server {
  readonly url: string;
  stop(): Promise<void>;
}

async function startServe(dir: string, port: number): Promise<Server> {
  const child = spawnPjm(['serve'], { PJM_DATA_DIR: dir, PJM_HTTP_PORT: String(port), PJM_API_TOKENS: ADMIN });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      return {
        url,
        stop: async () => {
          child.kill('SIGTERM');
          await exited(child);
        },
      };
    }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`pjm serve did not start:\n${child.output()}`);
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

async function attributes(page: Page, selector: string, name: string): Promise<Array<string | null>> {
  return Promise.all((await page.locator(selector).all()).map((l) => l.getAttribute(name)));
}

async function axeCheck(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as InPage).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, count: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.count})`);
}

async function run(): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'pjm-ui-'));
  const port = await freePort();
  // The API accepts only identifier-like pipeline names; a store written by other means may hold anything.
  const seeded = new SqliteJobStore({ path: join(dir, 'jobs.db') });
  await seeded.init();
  const record = buildNewJob({ pipeline: 'hostile', data: { x: 1 } }, { now: new Date(), source: 'test' });
  await seeded.create({ job: { ...record.job, pipeline: HOSTILE_PIPELINE }, entry: record.entry });
  await seeded.close();
  let server = await startServe(dir, port);
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(async () => {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = server.url;

  const jobs: Array<{ uuid: string; token: string }> = [];
  for (let i = 0; i < 6; i++) {
    const created = await post(`${base}/jobs?wait=1`, {
      pipeline: i % 2 === 0 ? 'demux' : 'align',
      owner: i === 0 ? '"><img src=x onerror="window.__pwned=1">' : 'ann',
      site: 'ogg',
      data: { sample: i, note: '<script>window.__pwned=2</script>' },
    });
    jobs.push({ uuid: String(created['uuid']), token: String(created['token']) });
  }
  const [first, second, third, fourth] = jobs as [
    (typeof jobs)[0],
    (typeof jobs)[0],
    (typeof jobs)[0],
    (typeof jobs)[0],
  ];
  await post(`${base}/events?wait=1`, {
    uuid: first.uuid,
    token: first.token,
    name: 'run',
    data: { html: '<script>window.__pwned=3</script>' },
  });
  await post(`${base}/events?wait=1`, {
    uuid: first.uuid,
    token: first.token,
    name: 'update',
    data: { big: 'x'.repeat(200 * 1024) },
  });
  await post(`${base}/events?wait=1`, { uuid: first.uuid, token: first.token, name: 'fail', data: { error: 'OOM' } });

  // Only the contexts that inject axe-core (an inline script) bypass the pages' Content-Security-Policy.
  const context = async (
    scheme: 'light' | 'dark',
    viewport = { width: 1280, height: 800 },
    forAxe = false,
  ): Promise<BrowserContext> =>
    browser.newContext({
      viewport,
      colorScheme: scheme,
      timezoneId: 'UTC',
      reducedMotion: 'reduce',
      bypassCSP: forAxe,
    });

  const pages = {
    overview: '/ui/',
    'jobs-filtered': '/ui/jobs?pipeline=demux&state=CREATED&state=FAILED',
    job: `/ui/jobs/${first.uuid}`,
    'hostile-pipeline-job': `/ui/jobs/${record.job.uuid}`,
    'hostile-pipeline-list': `/ui/jobs?pipeline=${encodeURIComponent(HOSTILE_PIPELINE)}`,
    login: '/ui/login',
  };

  for (const scheme of ['light', 'dark'] as const) {
    await t.test(
      `every page in ${scheme}: no serious or critical axe violation, no script of the data ran`,
      async (t) => {
        const ctx = await context(scheme, undefined, true);
        const page = await ctx.newPage();
        page.on('dialog', (d) => {
          t.fail(`a dialog opened: ${d.message()}`);
          void d.dismiss();
        });
        for (const [name, path] of Object.entries(pages)) {
          const response = await page.goto(base + path);
          t.equal(response?.status(), 200, `${name} answers 200`);
          t.same(await axeCheck(page), [], `${name}: axe finds nothing serious or critical`);
          t.equal(await page.evaluate(() => (globalThis as unknown as InPage).__pwned), undefined, `${name}: inert`);
          await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
        }
        await ctx.close();
      },
    );
  }

  await t.test('the overview links each count to the filtered list', async (t) => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await page.goto(`${base}/ui/`);
    await page.locator('table.counts a[href="/ui/jobs?state=CREATED&pipeline=align"]').click();
    await page.waitForURL(/\/ui\/jobs\?/);
    t.equal(await page.locator('tr[data-uuid]').count(), 3, 'the three align jobs in CREATED');
    await ctx.close();
  });

  await t.test('a filtered list keeps its filters in the URL', async (t) => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await page.goto(`${base}/ui/jobs`);
    await page.fill('input[name=pipeline]', 'demux');
    await page.check('input[name=state][value=FAILED]');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/pipeline=demux/);
    t.match(page.url(), /state=FAILED/);
    t.same(await attributes(page, 'tr[data-uuid]', 'data-uuid'), [first.uuid]);
    t.match(
      await page.locator(`tr[data-uuid="${first.uuid}"]`).textContent(),
      '"><img src=x onerror=',
      'owner as text',
    );
    await ctx.close();
  });

  await t.test('the job page: badge, machine diagram with the path, hidden token, bounded data', async (t) => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    await page.goto(`${base}/ui/jobs/${first.uuid}`);
    await page.locator('#conn[data-state=open]').waitFor();
    t.same(errors, [], 'no console error (CSP violations included) with the policy in force');
    t.equal(await page.locator('#job-state').textContent(), 'FAILED');
    t.equal(await page.locator('svg.fsm g.node.current').getAttribute('data-state'), 'FAILED');
    t.same((await attributes(page, 'svg.fsm g.node.visited', 'data-state')).sort(), ['CREATED', 'RUNNING']);
    t.equal(await page.locator('svg.fsm path.edge.taken').count(), 2, 'create→run→fail: two moves taken');
    const html = await page.content();
    t.notOk(html.includes(first.token), 'the job token is not in the page');
    t.ok(html.includes('TOKEN-HIDDEN'));
    t.ok(html.length < 120 * 1024, `the 200 KiB entry is cut (page is ${Math.round(html.length / 1024)} KiB)`);
    t.ok(await page.locator('text=<script>window.__pwned=3</script>').count(), 'the script shows as text');
    t.equal(await page.locator('form[action$="/events"]').count(), 0, 'no action for a reader');
    await ctx.close();
  });

  await t.test('a phone-width screen gets the list without horizontal scrolling of the page', async (t) => {
    const ctx = await context('light', { width: 390, height: 844 });
    const page = await ctx.newPage();
    await page.goto(`${base}/ui/jobs`);
    const overflow = await page.evaluate(
      () =>
        (globalThis as unknown as InPage).document.documentElement.scrollWidth -
        (globalThis as unknown as InPage).innerWidth,
    );
    t.ok(overflow <= 1, `no page-wide horizontal overflow (${overflow}px)`);
    await page.screenshot({ path: join(SHOTS, 'jobs-phone-light.png') });
    await page.keyboard.press('/');
    t.equal(
      await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.id),
      'jump',
      '/ focuses the jump box',
    );
    await page.keyboard.type(first.uuid.slice(0, 8));
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/ui/jobs/${first.uuid}$`));
    await ctx.close();
  });

  await t.test('a change arrives live; after a server restart the page reconnects and keeps receiving', async (t) => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await page.goto(`${base}/ui/jobs`);
    await page.locator('#conn[data-state=open]').waitFor();
    await page.evaluate(() => ((globalThis as unknown as InPage).__same = true));
    const row = page.locator(`tr[data-uuid="${second.uuid}"] .badge`);
    t.equal(await row.textContent(), 'CREATED');
    await post(`${base}/events?wait=1`, { uuid: second.uuid, token: second.token, name: 'run' });
    await page.locator(`tr[data-uuid="${second.uuid}"] .badge:text("RUNNING")`).waitFor({ timeout: 10_000 });
    t.pass('the row changed to RUNNING');
    t.match(await page.locator('#live-region').textContent(), /RUNNING/, 'announced in the aria-live region');

    await server.stop();
    await page.locator('#conn[data-state=closed]').waitFor({ timeout: 10_000 });
    t.pass('the indicator shows the lost connection');
    server = await startServe(dir, port);
    await page.locator('#conn[data-state=open]').waitFor({ timeout: 30_000 });
    t.pass('reconnected by itself');
    await post(`${base}/events?wait=1`, { uuid: second.uuid, token: second.token, name: 'finish' });
    await page.locator(`tr[data-uuid="${second.uuid}"] .badge:text("FINISHED")`).waitFor({ timeout: 10_000 });
    t.equal(await page.evaluate(() => (globalThis as unknown as InPage).__same), true, 'never reloaded');

    await page.check('#pause');
    await post(`${base}/events?wait=1`, { uuid: third.uuid, token: third.token, name: 'run' });
    await page.locator('#banner-text', { hasText: '1 new change' }).waitFor({ timeout: 10_000 });
    t.equal(
      await page.locator(`tr[data-uuid="${third.uuid}"] .badge`).textContent(),
      'CREATED',
      'paused: row unchanged',
    );
    await page.locator('#banner button').click();
    await page.locator(`tr[data-uuid="${third.uuid}"] .badge:text("RUNNING")`).waitFor({ timeout: 10_000 });
    t.pass('"show" brings the held change in');
    await ctx.close();
  });

  await t.test('actions: refused without credentials; an admin cancels with CSRF', async (t) => {
    const anonymous = await fetch(`${base}/ui/jobs/${fourth.uuid}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'event=cancel',
    });
    t.equal(anonymous.status, 401, 'no credential: 401');

    const ctx = await context('light', undefined, true);
    const page = await ctx.newPage();
    await page.goto(`${base}/ui/login?next=/ui/jobs/${fourth.uuid}`);
    await page.fill('input[name=token]', ADMIN);
    await page.click('form[action="/ui/login"] button');
    await page.waitForURL(new RegExp(`/ui/jobs/${fourth.uuid}$`));
    const forged = await page.request.post(`${base}/ui/jobs/${fourth.uuid}/events`, {
      form: { event: 'cancel', csrf: 'forged' },
      maxRedirects: 0,
    });
    t.equal(forged.status(), 403, 'a session without the right CSRF token: 403');
    t.equal(
      await page
        .locator('form[action$="/events"] button')
        .allTextContents()
        .then((b) => b.sort())
        .then(String),
      'cancel,reset',
    );
    await page.click('form[action$="/events"] button:text("cancel")');
    await page.waitForURL(/done=cancel/);
    await page.locator('#job-state:text("CANCELLED")').waitFor({ timeout: 10_000 });
    t.pass('cancelled');
    await page.click('button:text("Reveal the token")');
    t.ok((await page.content()).includes(fourth.token), 'the admin sees the token when asked');
    t.same(await axeCheck(page), [], 'the admin job page: no serious or critical axe violation');
    await ctx.close();
  });
}
