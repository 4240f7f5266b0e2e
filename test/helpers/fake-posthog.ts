/**
 * A fake PostHog on 127.0.0.1:0 for tests through the real `posthog-node`:
 * - `POST /batch/`: gunzips the body when `Content-Encoding: gzip` and keeps every event with its api_key;
 * - `POST /api/projects/:id/query/`: answers the signup count HogQL. Contract: the query must be our
 *   `SIGNUPS_HOGQL` (a count of early_signup events with `properties.idea_id = {idea_id}`) and the id comes
 *   only from `values.idea_id`; the answer is `{ results: [[n]] }` with n = the early_signup events with that
 *   idea_id this fake received at /batch/ plus any set in `signups`. Anything else is a 400.
 * - `GET /api/projects/:id/`: the project (any id in `projects`, else 404).
 * - For landing pages in a real browser: `GET /static/array.js` serves the real posthog-js browser bundle
 *   (`posthog-js/dist/array.js` of the pinned devDependency), and `POST /e/`, `/i/v0/e/` (and `/capture/`,
 *   `/track/`) take what posthog-js sends: one event or an array, JSON, gzip (`compression=gzip-js`) or
 *   `data=<base64>`; the project key is the event's `properties.token`. Those events land in `events` with
 *   `source: 'browser'` and their person properties (`$set`) in `set`. Every answer carries CORS headers
 *   and `OPTIONS` preflights are answered, as PostHog does.
 * Both API routes need `Authorization: Bearer <personalKey>` (401 otherwise).
 * Anything else (the SDK's /flags, /decide ... which we never ask for) is a 404, recorded in `unknown`,
 * and makes `close()` reject: the test fails loudly on it.
 * `fail(...)` scripts the next answers (a status, or a delay before answering); CORS preflights are always answered.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { SIGNUPS_HOGQL } from '../../src/providers/posthog/analytics.js';
import { unexpectedError } from './fake-servers.js';

export interface FakeEvent {
  event: string;
  distinct_id: string;
  properties: Record<string, unknown>;
  api_key: string;
  /** Where it came in: `/batch/` (posthog-node) or the browser's capture endpoints (posthog-js). */
  source?: 'batch' | 'browser';
  uuid?: string;
  /** Person properties the event sets (`$set`, top level or in properties). */
  set?: Record<string, unknown>;
}

export interface FakePostHogRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  gzip: boolean;
  json: unknown;
}

export type PostHogFault = { status: number; body?: unknown } | { delayMs: number };

export interface FakePostHog {
  url: string;
  personalKey: string;
  projects: string[];
  requests: FakePostHogRequest[];
  events: FakeEvent[];
  /** Extra signups per idea id on top of the early_signup events received. */
  signups: Record<string, number>;
  /** Requests to paths this fake does not know. */
  unknown: string[];
  /** Answer the next requests (any path) with these, in order; then normally again. */
  fail(...faults: PostHogFault[]): void;
  /** Answer every request with this until cleared (null). */
  failAll(fault: PostHogFault | null): void;
  /** Resolves when `n` events have arrived in total. */
  waitForEvents(n: number): Promise<void>;
  close(): Promise<void>;
}

const BROWSER_CAPTURE = /^\/(?:e|i\/v0\/e|capture|track)\/?$/;
let arrayJs: Buffer | undefined;
/** The real posthog-js browser bundle (read once). */
export function posthogArrayJs(): Buffer {
  arrayJs ??= readFileSync(createRequire(import.meta.url).resolve('posthog-js/dist/array.js'));
  return arrayJs;
}

/** The events of a posthog-js request body: JSON (one event, an array, or `{batch}`), gzip, or `data=<base64>` form. */
function browserEvents(raw: Buffer, url: URL, contentType: string): Array<Record<string, unknown>> {
  let bytes = raw;
  if (url.searchParams.get('compression') === 'gzip-js' || (raw[0] === 0x1f && raw[1] === 0x8b)) bytes = gunzipSync(raw);
  let text = bytes.toString('utf8');
  if (contentType.includes('application/x-www-form-urlencoded') || text.startsWith('data=')) {
    const data = new URLSearchParams(text).get('data') ?? '';
    text = url.searchParams.get('compression') === 'base64' || !data.trim().startsWith('{') && !data.trim().startsWith('[') ? Buffer.from(data, 'base64').toString('utf8') : data;
  }
  const parsed = JSON.parse(text) as unknown;
  const list = Array.isArray(parsed) ? parsed : (parsed as { batch?: unknown[] }).batch ?? [parsed];
  return list as Array<Record<string, unknown>>;
}

export async function startFakePostHog(options: { personalKey?: string; projects?: string[] } = {}): Promise<FakePostHog> {
  const faults: PostHogFault[] = [];
  let always: PostHogFault | null = null;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const fake: FakePostHog = {
    url: '',
    personalKey: options.personalKey ?? 'phx_fakepersonalkey0123456789',
    projects: options.projects ?? ['4242'],
    requests: [],
    events: [],
    signups: {},
    unknown: [],
    fail: (...more) => void faults.push(...more),
    failAll: (fault) => void (always = fault),
    waitForEvents: (n) => (fake.events.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    close: async () => undefined,
  };
  const notify = () => {
    for (const w of [...waiters]) {
      if (fake.events.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const server: Server = createServer((req, res) => {
    // PostHog answers browsers from any origin; so does this fake (credentials included, as posthog-js may send them).
    res.setHeader('access-control-allow-origin', req.headers.origin && req.headers.origin !== 'null' ? req.headers.origin : '*');
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const gzip = req.headers['content-encoding'] === 'gzip';
      let json: unknown;
      try {
        const body = (gzip ? gunzipSync(raw) : raw).toString('utf8');
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = { unparsable: true };
      }
      const url = new URL(req.url ?? '/', 'http://fake');
      const path = url.pathname;
      fake.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, gzip, json });
      const send = (status: number, payload: unknown) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const answer = () => {
        const authorized = req.headers.authorization === `Bearer ${fake.personalKey}`;
        if (req.method === 'OPTIONS') {
          res.writeHead(204);
          return res.end();
        }
        if (req.method === 'GET' && path === '/static/array.js') {
          res.writeHead(200, { 'content-type': 'application/javascript' });
          return res.end(posthogArrayJs());
        }
        if (req.method === 'POST' && BROWSER_CAPTURE.test(path)) {
          let list: Array<Record<string, unknown>>;
          try {
            list = browserEvents(raw, url, String(req.headers['content-type'] ?? ''));
          } catch (error) {
            return send(400, { type: 'validation_error', detail: `fake posthog: unreadable capture body: ${(error as Error).message}` });
          }
          for (const e of list) {
            const properties = (e.properties ?? {}) as Record<string, unknown>;
            const set = { ...(properties.$set as Record<string, unknown> | undefined), ...(e.$set as Record<string, unknown> | undefined) };
            const token = String(properties.token ?? e.api_key ?? e.token ?? '');
            if (!token) return send(401, { type: 'authentication_error', detail: 'fake posthog: event without a project key (properties.token)' });
            fake.events.push({ event: String(e.event), distinct_id: String(properties.distinct_id ?? e.distinct_id ?? ''), properties, api_key: token, source: 'browser', uuid: typeof e.uuid === 'string' ? e.uuid : undefined, set });
          }
          notify();
          return send(200, { status: 1 });
        }
        if (req.method === 'POST' && (path === '/batch/' || path === '/batch')) {
          const body = json as { api_key?: string; batch?: Array<Omit<FakeEvent, 'api_key'>> };
          if (!body?.api_key || !Array.isArray(body.batch)) return send(400, { type: 'validation_error', detail: 'no api_key or batch' });
          for (const e of body.batch) fake.events.push({ event: e.event, distinct_id: e.distinct_id, properties: e.properties ?? {}, api_key: body.api_key, source: 'batch' });
          notify();
          return send(200, { status: 1 });
        }
        const query = /^\/api\/projects\/([^/]+)\/query\/?$/.exec(path);
        if (req.method === 'POST' && query) {
          if (!authorized) return send(401, { type: 'authentication_error', detail: 'Invalid personal API key.' });
          if (!fake.projects.includes(decodeURIComponent(query[1]!))) return send(404, { detail: 'Not found.' });
          const q = (json as { query?: { kind?: string; query?: string; values?: Record<string, unknown> } })?.query;
          if (q?.kind !== 'HogQLQuery' || q.query !== SIGNUPS_HOGQL || typeof q.values?.idea_id !== 'string') {
            return send(400, { type: 'validation_error', detail: `fake posthog only answers the signup count query, got ${JSON.stringify(q)}` });
          }
          const id = q.values.idea_id;
          const n = fake.events.filter((e) => e.event === 'early_signup' && e.properties.idea_id === id).length + (fake.signups[id] ?? 0);
          return send(200, { results: [[n]], columns: ['count()'], types: [['count()', 'UInt64']], hogql: q.query });
        }
        const project = /^\/api\/projects\/([^/]+)\/?$/.exec(path);
        if (req.method === 'GET' && project) {
          if (!authorized) return send(401, { type: 'authentication_error', detail: 'Invalid personal API key.' });
          const id = decodeURIComponent(project[1]!);
          if (!fake.projects.includes(id)) return send(404, { detail: 'Not found.' });
          return send(200, { id: Number(id), name: 'fake project' });
        }
        fake.unknown.push(`${req.method} ${path}`);
        send(404, { detail: `fake posthog: unknown route ${req.method} ${path}` });
      };
      // a CORS preflight is the browser's, not a request to fail: faults script the requests after it
      const fault = req.method === 'OPTIONS' ? undefined : (faults.shift() ?? always);
      if (!fault) return answer();
      if ('status' in fault) return send(fault.status, fault.body ?? { detail: `fake failure ${fault.status}` });
      const timer = setTimeout(answer, fault.delayMs);
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    const error = unexpectedError('fake posthog', fake.unknown);
    if (error) throw error;
  };
  return fake;
}
