/** SQL of the LLM and embedding response cache (src/pipeline/budget/cache.ts): get, put, hits, purge. */
import type { Queryable } from '../core/ports.js';

export async function cacheGet(db: Queryable, key: string): Promise<{ response: unknown; costCents: number } | undefined> {
  const result = await db.query<{ response: unknown; cost_cents: number }>(
    `update response_cache set hits = hits + 1 where key = $1 and expires_at > now() returning response, cost_cents`,
    [key],
  );
  const row = result.rows[0];
  return row ? { response: row.response, costCents: Number(row.cost_cents) } : undefined;
}

export async function cachePut(db: Queryable, entry: { key: string; kind: string; model: string; response: unknown; costCents: number; ttlMs: number }): Promise<void> {
  await db.query(
    `insert into response_cache (key, kind, model, response, cost_cents, expires_at)
     values ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond')
     on conflict (key) do update set response = excluded.response, cost_cents = excluded.cost_cents, expires_at = excluded.expires_at, created_at = now()`,
    [entry.key, entry.kind, entry.model, JSON.stringify(entry.response), entry.costCents, entry.ttlMs],
  );
}

export async function cacheStats(db: Queryable): Promise<{ entries: number; hits: number; savedCents: number }> {
  const result = await db.query<{ entries: number; hits: number | null; saved: number | null }>(
    `select count(*)::bigint as entries, sum(hits)::bigint as hits, sum(hits * cost_cents)::bigint as saved from response_cache where expires_at > now()`,
  );
  const r = result.rows[0]!;
  return { entries: Number(r.entries), hits: Number(r.hits ?? 0), savedCents: Number(r.saved ?? 0) };
}

export async function cachePurgeExpired(db: Queryable): Promise<number> {
  const result = await db.query('delete from response_cache where expires_at <= now()');
  return result.rowCount;
}

/** Count one more hit of a cached response (every process sees the savings). */
export async function cacheCountHit(db: Queryable, key: string): Promise<void> {
  await db.query('update response_cache set hits = hits + 1 where key = $1', [key]);
}
