/**
 * Web evidence search (optional; on when SEARCH_URL is set). One HTTP search API call per research domain
 * and the pages of its hits fetched through the SSRF guard (`guarded-fetch.ts`) and reduced to text.
 *
 * The search API contract: `GET {SEARCH_URL}?q=<query>&count=<n>` (parameters added to any already in the
 * URL) with the key in `Authorization: Bearer <key>` (or, with SEARCH_API_KEY_HEADER set to another
 * header, the bare key in that header), answering JSON
 *   `{ "results": [ { "title", "url", "snippet", "published"? } ] }`.
 * Brave's (`{ web: { results: [{ title, url, description, page_age }] } }`) and Bing's
 * (`{ webPages: { value: [{ name, url, snippet }] } }`) answers are read too. The answer is validated at
 * the edge (`answer.ts`); a hit without an http(s) URL is skipped, an answer of another shape is an error.
 */
import { stripControls } from '../../core/terminal-text.js';
import { ProviderError } from '../../core/errors.js';
import type { EvidenceHit, EvidencePage, EvidenceSearch, ResearchDomain } from '../../core/providers.js';
import { redactText } from '../../core/redact.js';
import type { AllowEntry, FetchPolicy } from './guarded-fetch.js';
import { htmlToText, stripTags } from './html.js';
import type { Item } from './answer.js';

export interface WebSearchOptions {
  url: string;
  apiKey?: string;
  /** @default Authorization (sent as "Bearer <key>") */
  apiKeyHeader?: string;
  /** Timeout of one search call and of one page fetch. @default 10000 */
  timeoutMs?: number;
  /** @default 1 MiB */
  maxPageBytes?: number;
  allow?: readonly AllowEntry[];
  /** Tests: the resolver of the page fetcher. */
  resolve?: FetchPolicy['resolve'];
}

/** A search answer larger than this is not read (a page of results is a few KB). */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** Words added to the query per research domain, so each search looks for its kind of evidence. */
const DOMAIN_TERMS: Record<ResearchDomain, string> = {
  market_research: 'market size demand',
  technology_trends: 'technology trends',
  business_validation: 'pricing business model survey',
};

/** YYYY-MM-DD of a date the API gave, or null. */
function day(value: string | null | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString().slice(0, 10);
}

function toHit(raw: Item): EvidenceHit | undefined {
  let url: URL;
  try {
    url = new URL(raw.url);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.hash = '';
  // results are stored as evidence and printed: their controls go here (terminal-text.ts)
  const title = stripControls(stripTags((raw.title ?? raw.name ?? '').slice(0, 4000))).replace(/\s+/g, ' ').trim() || url.hostname;
  return {
    title: title.slice(0, 300),
    url: url.href,
    excerpt: stripControls(stripTags((raw.snippet ?? raw.description ?? '').slice(0, 8000))).replace(/\s+/g, ' ').trim().slice(0, 1000),
    publishedAt: day(raw.published ?? raw.publishedAt ?? raw.page_age ?? raw.datePublished),
  };
}

export interface WebSearch extends EvidenceSearch {
  fetchPage(url: string, options?: { signal?: AbortSignal }): Promise<EvidencePage>;
}

export function createWebSearch(options: WebSearchOptions): WebSearch {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const secrets = options.apiKey ? [options.apiKey] : [];
  const policy: FetchPolicy = { allow: options.allow ?? [], timeoutMs, maxBytes: options.maxPageBytes ?? 1024 * 1024, resolve: options.resolve };
  return {
    info: { name: 'web_search', offline: false },
    async search(query, domain, limit, callOptions = {}) {
      const q = `${query} ${DOMAIN_TERMS[domain]}`.trim();
      const raw = await searchCall(options, q, limit, timeoutMs, callOptions.signal);
      const { item } = await import('./answer.js');
      const hits: EvidenceHit[] = [];
      for (const entry of raw) {
        const parsed = item.safeParse(entry);
        const hit = parsed.success ? toHit(parsed.data) : undefined;
        if (hit && !hits.some((h) => h.url === hit.url)) hits.push(hit);
        if (hits.length >= limit) break;
      }
      return hits;
    },
    async fetchPage(url, callOptions = {}) {
      try {
        // the fetcher (http, https, dns, zlib) loads with the first page: most commands never fetch one
        const { guardedFetch } = await import('./guarded-fetch.js');
        const page = await guardedFetch(url, policy, callOptions.signal);
        if (page.mediaType === 'text/plain') return { url: page.url, title: null, text: stripControls(page.body).trim() };
        const { title, text } = htmlToText(page.body);
        return { url: page.url, title: title === null ? null : stripControls(title) || null, text: stripControls(text) };
      } catch (error) {
        if (error instanceof ProviderError) throw new ProviderError(redactText(error.message, secrets), { provider: 'web_search', status: error.status, retryable: error.retryable, cause: error.cause });
        throw error;
      }
    },
  };
}

/** The endpoint with q and count added, as text without the key (for messages). */
export function searchRequestUrl(base: string, query: string, count: number): URL {
  const url = new URL(base);
  url.searchParams.set('q', query);
  url.searchParams.set('count', String(count));
  return url;
}

export function authHeaders(options: Pick<WebSearchOptions, 'apiKey' | 'apiKeyHeader'>): Record<string, string> {
  if (!options.apiKey) return {};
  const header = options.apiKeyHeader ?? 'Authorization';
  return header.toLowerCase() === 'authorization' ? { authorization: `Bearer ${options.apiKey}` } : { [header.toLowerCase()]: options.apiKey };
}

/** One call of the search API: the raw result list, or a ProviderError saying what to do. */
export async function searchCall(options: WebSearchOptions, query: string, count: number, timeoutMs: number, signal?: AbortSignal): Promise<unknown[]> {
  const secrets = options.apiKey ? [options.apiKey] : [];
  const err = (message: string, extra: { status?: number; retryable?: boolean; cause?: unknown } = {}) =>
    new ProviderError(redactText(`web_search: ${message}`, secrets), { provider: 'web_search', retryable: extra.retryable ?? false, status: extra.status, cause: extra.cause });
  const url = searchRequestUrl(options.url, query, count);
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  let body: string;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...authHeaders(options) }, signal: signal ? AbortSignal.any([timeout, signal]) : timeout, redirect: 'follow' });
    const text = await readAtMost(res, MAX_ANSWER_BYTES);
    if (text === undefined) throw err(`the search API answer is larger than ${MAX_ANSWER_BYTES} bytes; is SEARCH_URL the API endpoint?`, { status: res.status });
    body = text;
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    if (timeout.aborted) throw err(`the search API did not answer within SEARCH_TIMEOUT (${timeoutMs} ms); research goes on with the local corpus`, { retryable: true, cause: error });
    if (signal?.aborted) throw err('the search was cancelled', { cause: error });
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw err(`could not reach the search API at ${url.origin} (${cause?.code ?? cause?.message ?? (error as Error).message}); check SEARCH_URL and the network`, { retryable: true, cause: error });
  }
  const detail = body.replace(/\s+/g, ' ').slice(0, 200);
  if (res.status === 401 || res.status === 403) throw err(`the search API refused the key (HTTP ${res.status}: ${detail}); check SEARCH_API_KEY and SEARCH_API_KEY_HEADER`, { status: res.status });
  if (res.status === 429) throw err(`the search API is rate limiting (HTTP 429: ${detail}); searches resume when it allows`, { status: 429, retryable: true });
  if (!res.ok) throw err(`the search API answered HTTP ${res.status} (${detail})`, { status: res.status, retryable: res.status >= 500 });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw err(`the search API answered something that is not JSON (${detail}); is SEARCH_URL the API endpoint?`, { status: res.status, cause: error });
  }
  const { answer } = await import('./answer.js');
  const parsed = answer.safeParse(json);
  if (!parsed.success) throw err(`the search API answer has no result list ({ results: [...] } expected, got ${detail})`, { status: res.status });
  return parsed.data;
}

/** The body as text, or undefined (and the download stopped) once it passes `max` bytes. */
async function readAtMost(res: Response, max: number): Promise<string | undefined> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
