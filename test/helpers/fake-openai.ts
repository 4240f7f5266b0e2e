/**
 * A fake OpenAI API on 127.0.0.1:0 for tests through the real SDK: chat completions that answer each
 * structured-output schema by name, embeddings in the SDK's default base64 (float32 little-endian)
 * encoding, models/{id}, scripted faults (status with headers, malformed JSON, slow) for the next calls,
 * and seeded random faults (`chaos`). It keeps what it served, so a test can compare what the real API
 * would have billed with what our budget ledger settled. It fails loudly: a route it does not serve or a
 * schema with no answer is an error to the client, kept in `unexpected`, and makes `close()` reject.
 */
import { unexpectedError } from './fake-servers.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOpenAiRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown> | undefined;
}

export type Fault = { status: number; headers?: Record<string, string>; body?: unknown } | { content: string } | { delayMs: number };

export type ChaosKind = '429' | '500' | 'slow' | 'malformed';

/** Random faults: each request fails with probability `rate`, the `kinds` taking turns. */
export interface Chaos {
  rate: number;
  kinds: ChaosKind[];
  /** A seeded random in [0, 1), so a failing run can be replayed. */
  random: () => number;
  /** How long a slow answer takes (make it longer than the client's timeout). */
  slowMs: number;
}

/** An answer the fake completed to a client still waiting for it: what the real API would bill. */
export interface Served {
  path: '/chat/completions' | '/embeddings';
  model: string;
  usage: { inputTokens: number; cachedInputTokens: number; outputTokens: number };
  malformed: boolean;
}

export interface FakeOpenAi {
  url: string;
  requests: FakeOpenAiRequest[];
  /** Answer the next calls (any path) with these faults, in order; then normally again. */
  fail(...faults: Fault[]): void;
  /** Random faults on every later call (null: none). */
  chaos: Chaos | null;
  /** Every answer completed to a waiting client, with the usage the real API would bill. */
  served: Served[];
  /** Requests nothing was scripted for (an unknown route or schema name); `close()` rejects when there are any. */
  unexpected: string[];
  /** Random faults answered, by kind. */
  faulted: Partial<Record<ChaosKind, number>>;
  /** The vector answered for a text (default: a fixed unit-ish vector plus a per-text wobble). */
  vectorFor: (text: string, dimensions: number) => number[];
  /** The usage reported on every chat completion. */
  chatUsage: { prompt_tokens: number; completion_tokens: number; cached_tokens: number };
  /** The answer per schema name (research_summary, deck, investor_scores, landing_copy, ad_copy). */
  answers: Record<string, unknown>;
  /** Hold every chat completion this long before answering (a slow model; embeddings stay quick). @default 0 */
  chatDelayMs: number;
  close(): Promise<void>;
}

export const FAKE_ANSWERS: Record<string, unknown> = {
  research_summary: { summary: 'Bakeries want online ordering [1].', marketSize: '$3 billion [1]', risks: ['thin margins', 'paid acquisition'] },
  deck: {
    slides: ['Title', 'Problem', 'Solution', 'Market size', 'Business model', 'Traction', 'Competition', 'Team', 'Financials', 'Funding ask'].map((title, i) => ({
      title: i === 0 ? 'FAKE-OPENAI deck' : title,
      body: `- ${title} from the fake model [1][2]`,
      citations: [1, 2],
    })),
  },
  investor_scores: { scores: { team: 0.9, market: 0.9, product_solution: 0.9, business_model: 0.9, pitch_quality: 0.9 }, notes: ['fake model notes'] },
  landing_copy: { headline: 'Order bread online', subheadline: 'Pickup slots for bakeries', bullets: ['a', 'b', 'c'], callToAction: 'Join early access' },
  ad_copy: { headlines: ['Bakery ordering', 'Order bread online', 'Join Early Access'], descriptions: ['Pickup slots for bakeries.', 'Less waste.', 'Sign up free.'], keywords: ['bakery ordering', 'bread online', 'bakery', 'pickup', 'cakes'] },
};

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const faults: Fault[] = [];
  const fake: FakeOpenAi = {
    url: '',
    requests: [],
    fail: (...more) => void faults.push(...more),
    chaos: null,
    served: [],
    unexpected: [],
    faulted: {},
    vectorFor: (text, dimensions) => Array.from({ length: dimensions }, (_, i) => (i === 0 ? 1 : i === 1 + (text.length % (dimensions - 1)) ? 0.25 : 0)),
    chatUsage: { prompt_tokens: 20_000, completion_tokens: 10_000, cached_tokens: 4_000 },
    answers: { ...FAKE_ANSWERS },
    chatDelayMs: 0,
    close: async () => undefined,
  };

  let faultCount = 0;
  /** The next scripted fault, else a random one when chaos is on. */
  const nextFault = (path: string): Fault | undefined => {
    const scripted = faults.shift();
    if (scripted) return scripted;
    const chaos = fake.chaos;
    if (!chaos || chaos.random() >= chaos.rate) return undefined;
    // the kinds take turns, so a short run still sees every one
    const kind = chaos.kinds[faultCount++ % chaos.kinds.length]!;
    fake.faulted[kind] = (fake.faulted[kind] ?? 0) + 1;
    switch (kind) {
      case '429':
        return { status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'fake rate limit', type: 'rate_limit_error' } } };
      case '500':
        return { status: 500 };
      case 'slow':
        return { delayMs: chaos.slowMs };
      case 'malformed':
        return path.startsWith('/chat/') ? { content: '{"truncated": ' } : { status: 500 };
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const json = body ? (JSON.parse(body) as Record<string, unknown>) : undefined;
      const path = (req.url ?? '/').replace(/^\/v1/, '');
      fake.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, json });
      // a client that gave up (timed out, aborted: its socket half-closed or gone) gets nothing and is billed nothing
      let gone = false;
      res.on('close', () => void (gone ||= !res.writableEnded));
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}, served?: Served) => {
        if (gone || res.destroyed || req.socket.destroyed || req.socket.readyState !== 'open') return;
        res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_fake_${fake.requests.length}`, ...headers });
        res.end(JSON.stringify(payload));
        if (served) fake.served.push(served);
      };
      const answer = (fault: Fault | undefined) => {
        if (fault && 'status' in fault) return send(fault.status, fault.body ?? { error: { message: `fake failure ${fault.status}`, type: 'server_error' } }, fault.headers);
        if (path.startsWith('/chat/completions')) {
          const format = json?.response_format as { json_schema?: { name?: string } } | undefined;
          const name = format?.json_schema?.name ?? '';
          const malformed = Boolean(fault && 'content' in fault);
          if (!malformed && !(name in fake.answers)) {
            fake.unexpected.push(`chat completion for schema "${name}"`);
            return send(400, { error: { message: `fake openai: no answer scripted for schema "${name}"`, type: 'invalid_request_error' } });
          }
          const content = fault && 'content' in fault ? fault.content : JSON.stringify(fake.answers[name]);
          const u = fake.chatUsage;
          return send(
            200,
            {
              id: 'chatcmpl-fake',
              object: 'chat.completion',
              created: 0,
              model: `${String(json?.model)}-2024-07-18`,
              choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content, refusal: null } }],
              usage: {
                prompt_tokens: u.prompt_tokens,
                completion_tokens: u.completion_tokens,
                total_tokens: u.prompt_tokens + u.completion_tokens,
                prompt_tokens_details: { cached_tokens: u.cached_tokens },
              },
            },
            {},
            { path: '/chat/completions', model: String(json?.model), usage: { inputTokens: u.prompt_tokens, cachedInputTokens: u.cached_tokens, outputTokens: u.completion_tokens }, malformed },
          );
        }
        if (path.startsWith('/embeddings')) {
          const input = json?.input;
          const texts = Array.isArray(input) ? (input as string[]) : [String(input)];
          const dimensions = Number(json?.dimensions ?? 1536);
          const base64 = json?.encoding_format === 'base64';
          const data = texts.map((text, index) => {
            const vector = fake.vectorFor(text, dimensions);
            const buffer = Buffer.alloc(vector.length * 4);
            vector.forEach((v, i) => buffer.writeFloatLE(v, i * 4));
            return { object: 'embedding', index, embedding: base64 ? buffer.toString('base64') : vector };
          });
          const tokens = texts.reduce((s, t) => s + Math.ceil(t.length / 4), 0);
          return send(200, { object: 'list', model: json?.model, data, usage: { prompt_tokens: tokens, total_tokens: tokens } }, {}, {
            path: '/embeddings',
            model: String(json?.model),
            usage: { inputTokens: tokens, cachedInputTokens: 0, outputTokens: 0 },
            malformed: false,
          });
        }
        if (path.startsWith('/models/')) return send(200, { id: decodeURIComponent(path.slice('/models/'.length)), object: 'model', created: 0, owned_by: 'fake' });
        fake.unexpected.push(`${req.method ?? 'GET'} ${path}`);
        send(404, { error: { message: `fake openai: no route ${path}` } });
      };
      const fault = nextFault(path);
      if (!fault && fake.chatDelayMs > 0 && path.startsWith('/chat/')) setTimeout(() => answer(undefined), fake.chatDelayMs).unref();
      else if (fault && 'delayMs' in fault) setTimeout(() => answer(undefined), fault.delayMs).unref();
      else answer(fault);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = async () => {
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    const error = unexpectedError('fake openai', fake.unexpected);
    if (error) throw error;
  };
  return fake;
}
