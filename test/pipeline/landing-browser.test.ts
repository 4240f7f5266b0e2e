/**
 * The generated landing page in a real browser: Debian's Chromium driven by puppeteer-core, the page
 * served over http from 127.0.0.1, posthog-js's real `array.js` served by the fake PostHog, which records
 * what the browser sends. What a visitor and the smoke test would notice: the thank-you appears only once
 * PostHog took the signup, the signup and the e-mail arrive, the signup count query counts it, errors are
 * said honestly, the offline page says signups are not recorded, and no page throws. The HTML is also
 * linted with html-validate. Skipped, saying so, when Chromium is not installed (`.ci/run` installs it).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { HtmlValidate } from 'html-validate';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostHogAnalytics } from '../../src/providers/posthog/analytics.js';
import { createOfflineTextGenerator } from '../../src/providers/offline/text.js';
import type { IdeaBrief, LandingCopy } from '../../src/core/providers.js';
import { checkLanding, posthogScriptUrl, readSignupConfig, renderLanding } from '../../src/pipeline/stages/mvp.js';
import { startFakePostHog, type FakePostHog } from '../helpers/fake-posthog.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`[studio] ${CHROMIUM} is missing: the landing-page browser tests are skipped (apt-get install chromium)`);

const KEY = 'phc_landingprojectkey0123456789';
const IDEA = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
// posthog-js drops events from browsers it takes for bots: a "HeadlessChrome" user agent or brand, or
// navigator.webdriver (set under automation). A visitor's browser is neither, so the visitor pages get an
// ordinary user agent and the browser runs without the automation flag; one test keeps the bot's.
const VISITOR_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const VISITOR_BRANDS = { brands: [{ brand: 'Chromium', version: '156' }, { brand: 'Not.A/Brand', version: '99' }], platform: 'Linux', platformVersion: '6.1', architecture: 'x86', model: '', mobile: false };

const brief: IdeaBrief = {
  id: IDEA,
  title: 'Invoice reminders that chase late payments <for> "freelancers" & agencies',
  description: 'Automatic payment reminders for freelancers.',
  category: 'fintech',
  problem: 'Freelancers wait 23 days on average past the due date and spend hours chasing unpaid invoices.',
  solution: 'Sends polite escalating payment reminders and predicts late payers.',
  market: 'US freelancers and small agencies',
  evidenceLinks: [],
};

/** Evaluate an expression in the page (a string: this project's TypeScript has no DOM types). */
function inPage<T = unknown>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

async function landingCopy(): Promise<LandingCopy> {
  const text = createOfflineTextGenerator({ model: 'offline', cheapModel: 'offline' });
  return (await text.writeLanding({ idea: brief, research: { summary: 'Late payment is common.', marketSize: '$1B', risks: [] } })).value;
}

describe('studio-generated landing page markup', () => {
  it('is valid, accessible HTML online and offline (html-validate recommended rules), and passes the MVP gate', async () => {
    const copy = await landingCopy();
    const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });
    for (const key of [KEY, undefined]) {
      const html = renderLanding(copy, { ideaId: IDEA, posthogKey: key, posthogHost: 'https://us.i.posthog.com', offline: !key });
      const report = await validator.validateString(html);
      expect(report.results.flatMap((r) => r.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.message}`))).toEqual([]);
      expect(checkLanding(html, IDEA)).toEqual({ passed: true, problems: [] });
      expect(html).toContain('&lt;for&gt; &quot;freelancers&quot; &amp; agencies');
    }
    const online = readSignupConfig(renderLanding(copy, { ideaId: IDEA, posthogKey: KEY, posthogHost: 'https://eu.i.posthog.com/', offline: false }));
    expect(online).toEqual({ ideaId: IDEA, deadlineMs: 15_000, posthog: { key: KEY, host: 'https://eu.i.posthog.com', script: 'https://eu-assets.i.posthog.com/static/array.js' } });
    expect(posthogScriptUrl('https://ph.example.com/')).toBe('https://ph.example.com/static/array.js');
    expect(checkLanding(renderLanding(copy, { ideaId: IDEA, posthogKey: KEY, posthogHost: 'https://us.i.posthog.com', offline: false }), 'another-idea').problems).toEqual([
      'the signup settings do not carry the idea id',
    ]);
  });
});

describe.skipIf(!haveChromium)('the landing page in Chromium (puppeteer-core) against a fake PostHog serving the real posthog-js', () => {
  let browser: Browser;
  let fake: FakePostHog;
  let site: Server;
  let siteUrl = '';
  const pages = new Map<string, string>();
  let copy: LandingCopy;

  beforeAll(async () => {
    copy = await landingCopy();
    fake = await startFakePostHog({ projects: ['4242'] });
    site = createServer((req, res) => {
      const html = pages.get(req.url ?? '');
      res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html ?? 'not found');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-blink-features=AutomationControlled'],
      ignoreDefaultArgs: ['--enable-automation'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await fake?.close();
  });

  /** Serve a freshly generated page and open it like a visitor; collects the page's uncaught errors. */
  async function open(name: string, meta: { posthogKey?: string; posthogHost: string }, as: 'visitor' | 'bot' = 'visitor'): Promise<{ page: Page; errors: string[] }> {
    pages.set(`/${name}/landing.html`, renderLanding(copy, { ideaId: IDEA, ...meta, offline: !meta.posthogKey }));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    if (as === 'visitor') await page.setUserAgent({ userAgent: VISITOR_UA, userAgentMetadata: VISITOR_BRANDS });
    await page.setViewport({ width: 900, height: 760 });
    await page.goto(`${siteUrl}/${name}/landing.html`, { waitUntil: 'load' });
    return { page, errors };
  }

  async function signUp(page: Page, address: string): Promise<{ kind: string; text: string }> {
    if (address) {
      await page.type('#email', address);
      await page.click('#signup-button');
    }
    await page.waitForFunction(`/\\b(ok|error)\\b/.test(document.getElementById('signup-status').className)`, { timeout: 20_000 });
    return inPage<{ kind: string; text: string }>(page, `(() => { const el = document.getElementById('signup-status'); return { kind: el.className.replace('status ', ''), text: el.textContent }; })()`);
  }

  it('with a key: identifies the visitor by e-mail, captures early_signup with the idea id, thanks only after, and the signup count sees it', async () => {
    const { page, errors } = await open('online', { posthogKey: KEY, posthogHost: fake.url });
    const before = fake.events.length;
    const result = await signUp(page, 'ada@example.com');
    expect(result).toEqual({ kind: 'ok', text: 'Thanks! You are on the early-access list; we will write to ada@example.com.' });
    const arrived = fake.events.slice(before);
    expect(arrived.map((e) => e.event).sort()).toEqual(['$identify', 'early_signup']);
    const identify = arrived.find((e) => e.event === '$identify')!;
    expect(identify).toMatchObject({ source: 'browser', api_key: KEY, distinct_id: 'ada@example.com', set: { email: 'ada@example.com' } });
    const signup = arrived.find((e) => e.event === 'early_signup')!;
    expect(signup).toMatchObject({ source: 'browser', api_key: KEY, distinct_id: 'ada@example.com', properties: { idea_id: IDEA } });
    // the page loaded posthog-js from POSTHOG_HOST and asked nothing it does not need
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/static/array.js')).toBe(true);
    expect(fake.unknown).toEqual([]);
    // the form is done and says so; focus went to the message for screen readers
    expect(await inPage(page, `document.getElementById('email').disabled`)).toBe(true);
    expect(await inPage(page, `document.activeElement.id`)).toBe('signup-status');
    if (process.env.LANDING_SCREENSHOT_DIR) {
      mkdirSync(process.env.LANDING_SCREENSHOT_DIR, { recursive: true });
      writeFileSync(join(process.env.LANDING_SCREENSHOT_DIR, 'landing-online.png'), await page.screenshot({ fullPage: true }));
    }
    expect(errors).toEqual([]);
    await page.close();

    // what the smoke test reads: the HogQL count of early_signup events with this idea id
    const analytics = createPostHogAnalytics({ projectKey: KEY, host: fake.url, personalKey: fake.personalKey, projectId: '4242' });
    try {
      expect(await analytics.signups(IDEA)).toBe(fake.events.filter((e) => e.event === 'early_signup' && e.properties.idea_id === IDEA).length);
      expect(await analytics.signups('some-other-idea')).toBe(0);
    } finally {
      await analytics.close?.(100);
    }
  }, 60_000);

  it('slow PostHog: the page says it is signing up, and thanks only once PostHog has answered', async () => {
    const { page, errors } = await open('slow', { posthogKey: KEY, posthogHost: fake.url });
    fake.fail({ delayMs: 1500 }, { delayMs: 1500 });
    await page.type('#email', 'eve@example.com');
    await page.click('#signup-button');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await inPage(page, `document.getElementById('signup-status').className + ' | ' + document.getElementById('signup-status').textContent`)).toBe('status pending | Signing you up...');
    expect(fake.events.some((e) => e.distinct_id === 'eve@example.com')).toBe(false);
    expect((await signUp(page, '')).kind).toBe('ok');
    expect(fake.events.filter((e) => e.distinct_id === 'eve@example.com').map((e) => e.event).sort()).toEqual(['$identify', 'early_signup']);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('keyboard and label: Tab reaches the labelled e-mail field with a visible focus outline', async () => {
    const { page, errors } = await open('a11y', { posthogKey: KEY, posthogHost: fake.url });
    await page.keyboard.press('Tab');
    const focus = await inPage(page, `(() => {
      const el = document.activeElement;
      return { id: el.id, label: el.labels[0] && el.labels[0].textContent, outline: getComputedStyle(el).outlineStyle, width: getComputedStyle(el).outlineWidth };
    })()`);
    expect(focus).toEqual({ id: 'email', label: 'Your e-mail address', outline: 'solid', width: '3px' });
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('PostHog refusing the signup: an honest error, no thank-you, and the visitor can try again', async () => {
    const { page, errors } = await open('refused', { posthogKey: KEY, posthogHost: fake.url });
    fake.failAll({ status: 400, body: { type: 'validation_error', detail: 'fake refusal' } });
    let result;
    try {
      result = await signUp(page, 'bob@example.com');
    } finally {
      fake.failAll(null);
    }
    expect(result).toEqual({ kind: 'error', text: 'Sorry, your signup was not recorded: the signup service refused it (HTTP 400). Please try again later.' });
    expect(await inPage(page, `document.getElementById('signup-button').disabled`)).toBe(false);
    expect(fake.events.some((e) => e.distinct_id === 'bob@example.com')).toBe(false);
    // once PostHog takes it again, the same page records the signup
    await inPage(page, `document.getElementById('email').value = ''`);
    expect((await signUp(page, 'bob@example.com')).kind).toBe('ok');
    expect(fake.events.filter((e) => e.distinct_id === 'bob@example.com' && e.event === 'early_signup')).toHaveLength(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('a browser PostHog takes for a bot (HeadlessChrome): nothing is counted and the page says so', async () => {
    const { page, errors } = await open('bot', { posthogKey: KEY, posthogHost: fake.url }, 'bot');
    const before = fake.events.length;
    const result = await signUp(page, 'bot@example.com');
    expect(result).toEqual({ kind: 'error', text: 'Sorry, your signup was not recorded: this browser blocked the analytics event. Please try again from another browser.' });
    expect(fake.events.length).toBe(before);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('PostHog unreachable: the page says the signup was not recorded, and does not throw', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise((resolve) => dead.close(resolve));
    const { page, errors } = await open('unreachable', { posthogKey: KEY, posthogHost: deadUrl });
    const result = await signUp(page, 'cy@example.com');
    expect(result).toEqual({ kind: 'error', text: 'Sorry, your signup was not recorded: the signup service could not be reached. Please try again later.' });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('offline (no key): says signups are not recorded, sends nothing, never throws', async () => {
    const requests = fake.requests.length;
    const { page, errors } = await open('offline', { posthogHost: 'https://us.i.posthog.com' });
    const sent: string[] = [];
    page.on('request', (r) => sent.push(r.url()));
    expect(await inPage(page, `document.querySelector('.note').textContent`)).toBe('Preview: signups on this page are not recorded yet (no analytics is configured).');
    const result = await signUp(page, 'dee@example.com');
    expect(result).toEqual({ kind: 'error', text: 'Not recorded: this preview page has no analytics configured, so signups are not recorded and your e-mail was not sent anywhere.' });
    expect(sent).toEqual([]);
    expect(fake.requests.length).toBe(requests);
    if (process.env.LANDING_SCREENSHOT_DIR) mkdirSync(process.env.LANDING_SCREENSHOT_DIR, { recursive: true });
    if (process.env.LANDING_SCREENSHOT_DIR) writeFileSync(join(process.env.LANDING_SCREENSHOT_DIR, 'landing-offline.png'), await page.screenshot({ fullPage: true }));
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});
