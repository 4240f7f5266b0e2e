/**
 * A fake PostHog on 127.0.0.1:0 for tests through the real `posthog-node`:
 * - `POST /batch/`: gunzips the body when `Content-Encoding: gzip` and keeps every event with its api_key;
 * - `POST /api/projects/:id/query/`: answers the signup count HogQL. Contract: the query must be our
 *   `SIGNUPS_HOGQL` (a count of early_signup events with `properties.idea_id = {idea_id}`) and the id comes
 *   only from `values.idea_id`; the answer is `{ results: [[n]] }` with n = the early_signup events with that
 *   idea_id this fake received at /batch/ plus any set in `signups`. Anything else is a 400.
 * - `GET /api/projects/:id/`: the project (any id in `projects`, else 404).
 * Both API routes need `Authorization: Bearer <personalKey>` (401 otherwise).
 * Anything else (the SDK's /flags, /decide ... which we never ask for) is a 404 and recorded in
 * `unknown`, so a test can fail loudly on it.
 * `fail(...)` scripts the next answers (a status, or a delay before answering).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { SIGNUPS_HOGQL } from '../../src/providers/posthog/analytics.js';

export interface FakeEvent {
  event: string;
  distinct_id: string;
  properties: Record<string, unknown>;
  api_key: string;
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
  const server: Server = createServer((req, res) => {
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
        if (req.method === 'POST' && (path === '/batch/' || path === '/batch')) {
          const body = json as { api_key?: string; batch?: Array<Omit<FakeEvent, 'api_key'>> };
          if (!body?.api_key || !Array.isArray(body.batch)) return send(400, { type: 'validation_error', detail: 'no api_key or batch' });
          for (const e of body.batch) fake.events.push({ event: e.event, distinct_id: e.distinct_id, properties: e.properties ?? {}, api_key: body.api_key });
          for (const w of [...waiters]) {
            if (fake.events.length >= w.n) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve();
            }
          }
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
      const fault = faults.shift() ?? always;
      if (!fault) return answer();
      if ('status' in fault) return send(fault.status, fault.body ?? { detail: `fake failure ${fault.status}` });
      const timer = setTimeout(answer, fault.delayMs);
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
