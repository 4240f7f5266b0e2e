/**
 * Response cache for identical LLM and embedding requests: a small in-memory LRU in front of the
 * `response_cache` table, entries valid for EMBEDDING_CACHE_TTL. A hit costs nothing and is counted
 * (hits are bumped in the database, so every process sees the savings).
 */
import { createHash } from 'node:crypto';
import type { Database } from '../../core/ports.js';
import * as store from '../../storage/response-cache.js';

export interface ResponseCache {
  /** The cached response, or the result of `miss()` stored for next time. */
  through<T>(kind: 'chat' | 'embedding', model: string, request: unknown, miss: () => Promise<{ response: T; costCents: number }>): Promise<{ response: T; hit: boolean }>;
  /** Only what is cached (CRITICAL: cache-only embeddings). */
  peek<T>(kind: 'chat' | 'embedding', model: string, request: unknown): Promise<T | undefined>;
  /** Store a fresh response (after a `peek` that missed). */
  put(kind: 'chat' | 'embedding', model: string, request: unknown, response: unknown, costCents: number): Promise<void>;
  stats(): { memoryHits: number; databaseHits: number; misses: number };
}

export interface CacheOptions {
  db: Database;
  enabled: boolean;
  ttlMs: number;
  /** Entries kept in memory. */
  size: number;
  now?: () => number;
}

export function cacheKey(kind: string, model: string, request: unknown): string {
  return createHash('sha256').update(`${kind}\u0000${model}\u0000${stableJson(request)}`).digest('hex');
}

export function createResponseCache(options: CacheOptions): ResponseCache {
  const memory = new Map<string, { response: unknown; expires: number }>();
  const now = options.now ?? Date.now;
  const counters = { memoryHits: 0, databaseHits: 0, misses: 0 };

  const remember = (key: string, response: unknown) => {
    if (options.size <= 0) return;
    memory.delete(key);
    memory.set(key, { response, expires: now() + options.ttlMs });
    while (memory.size > options.size) memory.delete(memory.keys().next().value as string);
  };

  async function lookup<T>(key: string): Promise<T | undefined> {
    const local = memory.get(key);
    if (local && local.expires > now()) {
      memory.delete(key);
      memory.set(key, local);
      counters.memoryHits++;
      // the shared hit count is bookkeeping: not worth a commit on the caller's path
      store.cacheCountHit(options.db, key).catch(() => undefined);
      return local.response as T;
    }
    const row = await store.cacheGet(options.db, key);
    if (row) {
      counters.databaseHits++;
      remember(key, row.response);
      return row.response as T;
    }
    return undefined;
  }

  return {
    async through(kind, model, request, miss) {
      if (!options.enabled) return { response: (await miss()).response, hit: false };
      const key = cacheKey(kind, model, request);
      const cached = await lookup(key);
      if (cached !== undefined) return { response: cached as never, hit: true };
      counters.misses++;
      const fresh = await miss();
      await store.cachePut(options.db, { key, kind, model, response: fresh.response, costCents: fresh.costCents, ttlMs: options.ttlMs });
      remember(key, fresh.response);
      return { response: fresh.response, hit: false };
    },
    async peek(kind, model, request) {
      if (!options.enabled) return undefined;
      const found = await lookup(cacheKey(kind, model, request));
      if (found === undefined) counters.misses++;
      return found as never;
    },
    async put(kind, model, request, response, costCents) {
      if (!options.enabled) return;
      const key = cacheKey(kind, model, request);
      await store.cachePut(options.db, { key, kind, model, response, costCents, ttlMs: options.ttlMs });
      remember(key, response);
    },
    stats: () => ({ ...counters }),
  };
}

/** JSON with object keys sorted, so equal requests hash equal whatever their key order. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}
