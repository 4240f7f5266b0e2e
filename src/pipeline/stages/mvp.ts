/**
 * MVP: a static landing page in `artifacts/<idea>/landing.html` with the value proposition and a signup
 * form. It is the smoke test's measuring instrument, so it only says what really happened:
 *
 * - With a PostHog project key the page loads posthog-js (`<assets host>/static/array.js`, the file
 *   PostHog serves; for PostHog Cloud the `-assets` host like PostHog's own snippet) and initialises it
 *   with the key. A signup identifies the visitor by the e-mail (distinct id and `email` person property)
 *   and captures `early_signup {idea_id}`; the smoke test counts those events (SIGNUPS_HOGQL).
 * - The thank-you appears only once PostHog answered 2xx to the request that carried that event.
 *   posthog-js has no public delivery callback (capture returns the event before sending; `before_send`
 *   runs before sending; `on_request_error` reports only HTTP >= 400, not a dead network), so the page
 *   sends each event alone (`request_batching: false`, uncompressed, over fetch), notes the uuids of the
 *   events its submit produced (`before_send`), and watches PostHog's own fetch of them (a wrapper put on
 *   `window.fetch` before array.js loads, which is the fetch posthog-js keeps). A 4xx, a script that does not
 *   load or no answer within SIGNUP_DEADLINE_MS is an honest error; posthog-js retries 5xx and network
 *   errors on its own, and the page waits for those retries until the deadline.
 * - Offline (no key) the page says that signups are not recorded, sends nothing and never throws.
 *
 * The page is plain HTML with a visible label, a focus outline and AA contrast; test/pipeline/landing-
 * browser.test.ts drives it in Chromium against a fake PostHog serving the real array.js.
 */
import type { LandingCopy, ResearchSummary } from '../../core/providers.js';
import { escapeHtml, writeArtifact } from './artifacts.js';
import type { StageHandler } from './context.js';

/** How long a signup may wait for PostHog's answer (posthog-js retries included) before the page says it failed, ms. */
export const SIGNUP_DEADLINE_MS = 15_000;

/** Where posthog-js is loaded from: PostHog Cloud serves it from its `-assets` host, a self-hosted or proxied PostHog from itself. */
export function posthogScriptUrl(host: string): string {
  const trimmed = host.replace(/\/+$/, '');
  return `${trimmed.replace(/^(https:\/\/[a-z]+)\.i\.posthog\.com$/i, '$1-assets.i.posthog.com')}/static/array.js`;
}

/** What the page's script reads: the idea, the deadline and (online) PostHog's key, host and script. */
export interface SignupConfig {
  ideaId: string;
  deadlineMs: number;
  posthog: { key: string; host: string; script: string } | null;
}

// The page's own script. Plain ES5 so it runs wherever the page is opened; no template placeholders.
const SIGNUP_SCRIPT = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('signup-config').textContent);
  var form = document.getElementById('signup');
  var email = document.getElementById('email');
  var button = document.getElementById('signup-button');
  var status = document.getElementById('signup-status');
  function say(kind, text) {
    status.className = 'status ' + kind;
    status.textContent = text;
  }
  if (!config.posthog) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      say('error', 'Not recorded: this preview page has no analytics configured, so signups are not recorded and your e-mail was not sent anywhere.');
      status.focus();
    });
    return;
  }
  var ph = config.posthog;
  var loadState = 'loading';
  var onLoaded = [];
  var watching = null;
  function loadDone(state) {
    if (loadState !== 'loading') return;
    loadState = state;
    var waiting = onLoaded;
    onLoaded = [];
    for (var i = 0; i < waiting.length; i++) waiting[i]();
  }
  // posthog-js keeps the fetch it finds when it loads: wrapping it first lets the page see PostHog's answer
  // to the very request that carries the signup (matched by the event uuid in the uncompressed body).
  var realFetch = window.fetch;
  if (typeof realFetch === 'function') {
    window.fetch = function (input, init) {
      var result = realFetch.apply(this, arguments);
      var w = watching;
      var body = init && typeof init.body === 'string' ? init.body : '';
      if (w && body) {
        var ids = [];
        for (var id in w.uuids) if (body.indexOf(id) !== -1) ids.push(id);
        if (ids.length) {
          result.then(function (response) { w.settle(ids, response.status); }, function () { w.settle(ids, 0); });
        }
      }
      return result;
    };
  }
  function finish(ok, text) {
    if (!watching) return;
    clearTimeout(watching.timer);
    watching = null;
    form.removeAttribute('aria-busy');
    if (ok) {
      email.disabled = true;
      button.disabled = true;
    } else {
      button.disabled = false;
    }
    say(ok ? 'ok' : 'error', text);
    status.focus();
  }
  function unreachable() {
    finish(false, 'Sorry, your signup was not recorded: the signup service could not be reached. Please try again later.');
  }
  function send(address) {
    var w = watching;
    var captured;
    w.collecting = true;
    try {
      window.posthog.identify(address, { email: address });
      captured = window.posthog.capture('early_signup', { idea_id: config.ideaId }, { send_instantly: true });
    } catch (error) {
      captured = undefined;
    }
    w.collecting = false;
    if (!captured || !(captured.uuid in w.uuids)) {
      finish(false, 'Sorry, your signup was not recorded: this browser blocked the analytics event. Please try again from another browser.');
      return;
    }
    w.check();
  }
  function beforeSend(event) {
    if (watching && watching.collecting && event && event.uuid) watching.uuids[event.uuid] = 'pending';
    return event;
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (watching) return;
    var address = email.value.trim();
    if (!address || !email.checkValidity()) {
      say('error', 'Please enter a valid e-mail address, like name@example.com.');
      email.focus();
      return;
    }
    if (loadState === 'failed') {
      watching = { uuids: {} };
      unreachable();
      return;
    }
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    say('pending', 'Signing you up...');
    var w = (watching = { uuids: {}, collecting: false, last: null });
    w.settle = function (ids, code) {
      for (var i = 0; i < ids.length; i++) {
        if (code >= 200 && code < 300) w.uuids[ids[i]] = 'ok';
        else if (code >= 400 && code < 500) w.uuids[ids[i]] = 'failed';
      }
      w.last = code;
      w.check();
    };
    w.check = function () {
      if (watching !== w || w.collecting) return;
      var ids = Object.keys(w.uuids);
      if (ids.length === 0) return;
      for (var i = 0; i < ids.length; i++) {
        if (w.uuids[ids[i]] === 'failed') return finish(false, 'Sorry, your signup was not recorded: the signup service refused it (HTTP ' + w.last + '). Please try again later.');
      }
      for (var j = 0; j < ids.length; j++) if (w.uuids[ids[j]] !== 'ok') return;
      finish(true, 'Thanks! You are on the early-access list; we will write to ' + address + '.');
    };
    w.timer = setTimeout(function () {
      if (watching !== w) return;
      finish(false, 'Sorry, we could not confirm your signup: the signup service did not answer' + (w.last === null ? '' : w.last === 0 ? ' (no connection)' : ' (HTTP ' + w.last + ')') + '. Please try again later.');
    }, config.deadlineMs);
    if (loadState === 'ready') send(address);
    else onLoaded.push(function () { if (watching !== w) return; if (loadState === 'ready') send(address); else unreachable(); });
  });
  var script = document.createElement('script');
  script.src = ph.script;
  script.async = true;
  script.crossOrigin = 'anonymous';
  script.onerror = function () { loadDone('failed'); };
  script.onload = function () {
    try {
      window.posthog.init(ph.key, {
        api_host: ph.host,
        api_transport: 'fetch',
        request_batching: false,
        disable_compression: true,
        autocapture: false,
        capture_pageview: false,
        capture_pageleave: false,
        disable_session_recording: true,
        disable_surveys: true,
        advanced_disable_flags: true,
        persistence: 'memory',
        person_profiles: 'identified_only',
        before_send: beforeSend,
        loaded: function () { loadDone('ready'); }
      });
    } catch (error) {
      loadDone('failed');
    }
  };
  document.head.appendChild(script);
})();`;

/** JSON for a `<script type="application/json">`: `<` escaped so no text can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The `<title>`, escaped, at most 70 characters as written (longer ones are cut in search results and tabs; html-validate counts the source). */
function pageTitle(headline: string): string {
  let title = headline;
  while (escapeHtml(title).length > 70) title = `${title.slice(0, -2).replace(/[\s…]+\S*$/, '').replace(/…$/, '')}…`;
  return escapeHtml(title);
}

export function renderLanding(copy: LandingCopy, meta: { ideaId: string; posthogKey?: string; posthogHost: string; offline: boolean }): string {
  const config: SignupConfig = {
    ideaId: meta.ideaId,
    deadlineMs: SIGNUP_DEADLINE_MS,
    posthog: meta.posthogKey ? { key: meta.posthogKey, host: meta.posthogHost.replace(/\/+$/, ''), script: posthogScriptUrl(meta.posthogHost) } : null,
  };
  const preview = config.posthog
    ? ''
    : '\n  <p class="note">Preview: signups on this page are not recorded yet (no analytics is configured).</p>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${pageTitle(copy.headline)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 4rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }
  h1 { font-size: 2.2rem; line-height: 1.2; }
  .sub { font-size: 1.2rem; color: #444; }
  form { margin: 2rem 0 .5rem; }
  label { display: block; font-weight: 600; margin-bottom: .4rem; }
  .row { display: flex; gap: .5rem; flex-wrap: wrap; }
  input[type=email] { flex: 1 1 16rem; padding: .7rem; font-size: 1rem; border: 1px solid #595959; border-radius: 4px; }
  button { padding: .7rem 1.2rem; font-size: 1rem; background: #1a56db; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  button:disabled { cursor: default; background: #595959; }
  input:focus-visible, button:focus-visible, .status:focus-visible { outline: 3px solid #0b3d91; outline-offset: 2px; }
  .status { min-height: 1.5rem; margin: .5rem 0 0; font-weight: 600; }
  .status.ok { color: #0a6b2c; } .status.error { color: #a3130f; } .status.pending { color: #444; }
  .note { background: #fff8e1; color: #5c4400; padding: .6rem .8rem; border-radius: 4px; }
  footer { color: #595959; font-size: .8rem; margin-top: 3rem; }
</style>
</head>
<body>
<main>
  <h1>${escapeHtml(copy.headline)}</h1>
  <p class="sub">${escapeHtml(copy.subheadline)}</p>
  <ul>
${copy.bullets.map((b) => `    <li>${escapeHtml(b)}</li>`).join('\n')}
  </ul>${preview}
  <form id="signup" action="#" method="post">
    <label for="email">Your e-mail address</label>
    <div class="row">
      <input id="email" name="email" type="email" required autocomplete="email" placeholder="name@example.com" aria-describedby="signup-status">
      <button id="signup-button" type="submit">${escapeHtml(copy.callToAction)}</button>
    </div>
  </form>
  <p id="signup-status" class="status" role="status" tabindex="-1"></p>
</main>
<footer>${meta.offline ? 'Draft generated offline by studio.' : 'Generated by studio.'}</footer>
<script id="signup-config" type="application/json">${scriptJson(config)}</script>
<script>
${SIGNUP_SCRIPT}
</script>
</body>
</html>
`;
}

/** The page's signup settings, read back from its HTML (the gate, tests); null when there are none. */
export function readSignupConfig(html: string): SignupConfig | null {
  const match = /<script id="signup-config" type="application\/json">([^<]*)<\/script>/.exec(html);
  if (!match) return null;
  try {
    return JSON.parse(match[1]!) as SignupConfig;
  } catch {
    return null;
  }
}

export function checkLanding(html: string, ideaId: string): { passed: boolean; problems: string[] } {
  const problems: string[] = [];
  if (!/<form[^>]*id="signup"/.test(html) || !/type="email"/.test(html)) problems.push('no signup form');
  if (!/<label for="email">/.test(html)) problems.push('the e-mail field has no label');
  const config = readSignupConfig(html);
  if (config?.ideaId !== ideaId) problems.push('the signup settings do not carry the idea id');
  if (!html.includes("capture('early_signup', { idea_id: config.ideaId }")) problems.push('the PostHog early_signup event is missing');
  return { passed: problems.length === 0, problems };
}

export const mvpStage: StageHandler = {
  stage: 'MVP',
  critical: true,
  typicalCents: () => 1,
  async run(ctx) {
    const research = ctx.idea.outputs.research as { summary?: ResearchSummary } | undefined;
    if (!research?.summary) return { kind: 'failed', reason: 'mvp: the idea has no research; reset it to RESEARCH', outputs: {} };
    const input = { idea: ctx.brief, research: research.summary };
    const out = await ctx.generate('landing-copy', 'mvp.landing', input, 600, (options) => ctx.providers.text.writeLanding(input, options));
    const analytics = ctx.providers.analytics;
    const html = renderLanding(out.value, { ideaId: ctx.idea.id, posthogKey: analytics.publicKey, posthogHost: analytics.host, offline: out.offline || analytics.info.offline });
    const gate = checkLanding(html, ctx.idea.id);
    if (!gate.passed) return { kind: 'failed', reason: `mvp gate: ${gate.problems.join('; ')}`, outputs: { gate } };
    const path = writeArtifact(ctx.artifactDir(), 'landing.html', html);
    return { kind: 'passed', summary: `landing page at ${path}`, outputs: { gate, path, copy: out.value, model: out.model, offline: out.offline, analyticsOffline: analytics.info.offline } };
  },
};
