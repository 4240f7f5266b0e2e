/**
 * Web evidence for RESEARCH (when a search provider is configured): one search per research domain,
 * charged to `external_apis` through the budget sentinel; each hit's page fetched (through the
 * provider's SSRF guard) unless the corpus already holds that URL, reduced to text (the snippet when the
 * fetch fails), chunked, embedded and stored in the evidence corpus like an ingested file (ingest's
 * `chunkText` and `embedAndStore`), with the hit's title, URL and date as its citation. Later ideas find
 * these pages by vector search like any other evidence.
 *
 * Nothing here fails the stage: a failing search, fetch or store is logged and research goes on with the
 * local corpus. Only a cancelled run (its signal aborted) stops here.
 */
import { createHash } from 'node:crypto';
import type { EvidenceHit, EvidencePage, ResearchDomain } from '../../core/providers.js';
import { hasDocument } from '../../storage/evidence.js';
import type { StageContext } from '../stages/context.js';
import { chunkText, embedAndStore } from './ingest.js';

/** Text kept of one page (about 15 chunks), so one long page cannot dominate the corpus or the bill. */
export const MAX_PAGE_CHARS = 12_000;

export interface WebEvidenceReport {
  hits: EvidenceHit[];
  /** Pages fetched and stored. */
  stored: number;
  /** Hits stored with their snippet because the page could not be fetched. */
  snippets: number;
  /** Hits whose URL the corpus already held: not fetched or embedded again. */
  known: number;
  /** Why the search or a page failed, in words (no secrets: provider messages are redacted). */
  problems: string[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

export async function searchWebEvidence(ctx: StageContext, query: string, domain: ResearchDomain, limit: number): Promise<WebEvidenceReport> {
  const report: WebEvidenceReport = { hits: [], stored: 0, snippets: 0, known: 0, problems: [] };
  const search = ctx.providers.search;
  if (!search) return report;
  const cost = ctx.config.search.queryCostCents;
  try {
    report.hits = await ctx.charge(`search:${domain}`, { category: 'external_apis', service: search.info.name, operation: 'research.search', estimateCents: cost, metadata: { domain } }, async () => ({
      result: await search.search(query, domain, limit, { signal: ctx.signal }),
      actualCents: cost,
    }));
  } catch (error) {
    ctx.signal?.throwIfAborted(); // a cancelled run (shutdown) is not a failed search
    ctx.logger.warn({ idea: ctx.idea.id, domain, err: message(error) }, 'research: web search failed; going on with the local corpus');
    report.problems.push(`search (${domain}): ${message(error)}`);
    return report;
  }
  await Promise.all(
    report.hits.map(async (hit) => {
      try {
        if (await hasDocument(ctx.db, { url: hit.url })) {
          report.known++;
          return;
        }
        let page: EvidencePage | undefined;
        if (search.fetchPage) {
          try {
            page = await search.fetchPage(hit.url, { signal: ctx.signal });
          } catch (error) {
            ctx.logger.info({ idea: ctx.idea.id, domain, url: hit.url, err: message(error) }, 'research: a search hit could not be fetched; its snippet is used');
            report.problems.push(`fetch ${hit.url}: ${message(error)}`);
          }
        }
        // a page with no readable text (a script-rendered one) counts as not fetched: its snippet is used
        if (page && !page.text.trim()) page = undefined;
        const text = (page ? page.text.trim() : hit.excerpt.trim()).slice(0, MAX_PAGE_CHARS);
        if (!text) return;
        const contentHash = createHash('sha256').update(`web\n${text}`).digest('hex');
        if (await hasDocument(ctx.db, { url: hit.url, contentHash })) {
          report.known++;
          return;
        }
        const title = hit.title || page?.title || new URL(hit.url).hostname;
        await embedAndStore(
          { db: ctx.db, embedder: ctx.providers.embedder, budget: ctx.budget },
          { source: hit.url, url: hit.url, title, domain, publishedAt: hit.publishedAt, contentHash },
          chunkText(title, text),
          { ideaId: ctx.idea.id, critical: ctx.critical, signal: ctx.signal, metadata: { url: hit.url, via: 'web_search', fetched: page !== undefined } },
        );
        if (page) report.stored++;
        else report.snippets++;
      } catch (error) {
        ctx.logger.warn({ idea: ctx.idea.id, domain, url: hit.url, err: message(error) }, 'research: a search hit could not be stored in the corpus');
        report.problems.push(`store ${hit.url}: ${message(error)}`);
      }
    }),
  );
  ctx.signal?.throwIfAborted();
  return report;
}
