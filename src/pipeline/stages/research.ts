/**
 * RESEARCH: evidence collection as RAG over pgvector. One query per research domain (embedded in one
 * batch) retrieves the nearest chunks of the evidence corpus; each becomes a scored, cited piece of
 * evidence (docs/domain.md: .40 credibility + .30 relevance + .20 accessibility + .10 recency). The idea's own
 * links count as business validation. Gate: each domain's minimum count and quality, at least 5 pieces in
 * all, each with a citation, and a mean score >= .7. Then a research summary is written.
 */
import { RESEARCH_DOMAINS, type EvidenceItem, type ResearchDomain } from '../../core/providers.js';
import { retrieve } from '../../storage/evidence.js';
import { accessibility, credibility, evidenceScore, recency, relevance } from '../evidence/score.js';
import { searchWebEvidence, type WebEvidenceReport } from '../evidence/web.js';
import type { StageHandler } from './context.js';

export const DOMAIN_RULES: Record<ResearchDomain, { min: number; quality: number; hint: string }> = {
  market_research: { min: 3, quality: 0.6, hint: 'market size demand customers growth spending segment' },
  technology_trends: { min: 2, quality: 0.7, hint: 'technology trend adoption research platform tools' },
  business_validation: { min: 2, quality: 0.6, hint: 'business model pricing revenue willingness to pay survey' },
};
export const MIN_EVIDENCE = 5;
export const MIN_MEAN_SCORE = 0.7;
/** Per domain, at most this many pieces are kept. */
const PER_DOMAIN = 5;
/** Below this share of full relevance a passage is not evidence for the idea at all. */
const RELEVANCE_FLOOR = 0.08;

const round = (x: number) => Math.round(x * 1000) / 1000;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export const researchStage: StageHandler = {
  stage: 'RESEARCH',
  critical: false,
  typicalCents: () => 3,
  async run(ctx) {
    const { idea, providers, clock } = ctx;
    const now = clock.date();
    const base = [idea.title, idea.description, idea.problem, idea.solution, idea.market].filter(Boolean).join('. ');
    // one query for every domain: embed it once
    const [query] = await ctx.embed('embed-queries', [base]);
    const fullAt = providers.embedder.fullRelevanceAt;

    const candidates: Array<Omit<EvidenceItem, 'ref' | 'citation'>> = [];
    const web: Partial<Record<ResearchDomain, Omit<WebEvidenceReport, 'hits'>>> = {};
    for (let i = 0; i < RESEARCH_DOMAINS.length; i++) {
      const domain = RESEARCH_DOMAINS[i]!;
      // web hits join the corpus first (never failing the stage), so retrieval below scores them too
      const { hits: webHits, ...webReport } = await searchWebEvidence(ctx, base.slice(0, 300), domain, 3);
      if (providers.search) web[domain] = webReport;
      const hits = await retrieve(ctx.db, query!, domain, PER_DOMAIN);
      for (const hit of hits) {
        const rel = relevance(hit.similarity, fullAt);
        if (rel < RELEVANCE_FLOOR) continue;
        const parts = { credibility: credibility(hit.url), relevance: rel, accessibility: accessibility(hit.url), recency: recency(hit.publishedAt, now) };
        candidates.push({ domain, title: hit.title, url: hit.url, excerpt: hit.content.slice(0, 400), publishedAt: hit.publishedAt, ...parts, score: evidenceScore(parts) });
      }
      for (const hit of webHits) {
        const parts = { credibility: credibility(hit.url), relevance: 0.6, accessibility: accessibility(hit.url), recency: recency(hit.publishedAt, now) };
        candidates.push({ domain, title: hit.title, url: hit.url, excerpt: hit.excerpt.slice(0, 400), publishedAt: hit.publishedAt, ...parts, score: evidenceScore(parts) });
      }
    }
    // the submitter's own links: unverified, so relevance is taken as middling and the date as unknown
    for (const url of idea.evidenceLinks) {
      const parts = { credibility: credibility(url), relevance: 0.6, accessibility: accessibility(url), recency: recency(null, now) };
      candidates.push({ domain: 'business_validation', title: `Submitted source: ${new URL(url).hostname}`, url, excerpt: '', publishedAt: null, ...parts, score: evidenceScore(parts) });
    }
    const seen = new Set<string>();
    const evidence: EvidenceItem[] = candidates
      .filter((c) => c.url && !seen.has(`${c.domain}|${c.url}`) && seen.add(`${c.domain}|${c.url}`))
      .sort((a, b) => b.score - a.score)
      .map((c, i) => ({ ...c, ref: i + 1, citation: `${c.title} — ${c.url}${c.publishedAt ? ` (${c.publishedAt})` : ''}` }));

    const domains = Object.fromEntries(
      RESEARCH_DOMAINS.map((d) => {
        const items = evidence.filter((e) => e.domain === d);
        const quality = round(mean(items.map((e) => e.score)));
        const rule = DOMAIN_RULES[d];
        return [d, { count: items.length, min: rule.min, quality, minQuality: rule.quality, met: items.length >= rule.min && quality >= rule.quality }];
      }),
    ) as Record<ResearchDomain, { count: number; min: number; quality: number; minQuality: number; met: boolean }>;
    const meanScore = round(mean(evidence.map((e) => e.score)));
    const problems: string[] = [];
    for (const d of RESEARCH_DOMAINS) {
      const s = domains[d];
      if (s.count < s.min) problems.push(`${d}: ${s.count} of ${s.min} pieces of evidence`);
      else if (s.quality < s.minQuality) problems.push(`${d}: quality ${s.quality} < ${s.minQuality}`);
    }
    if (evidence.length < MIN_EVIDENCE) problems.push(`${evidence.length} of ${MIN_EVIDENCE} pieces of evidence in all`);
    if (meanScore < MIN_MEAN_SCORE) problems.push(`mean evidence score ${meanScore} < ${MIN_MEAN_SCORE}`);
    if (evidence.some((e) => !e.citation)) problems.push('evidence without a citation');

    const gate = { passed: problems.length === 0, domains, count: evidence.length, meanScore, problems };
    const webOutputs = providers.search ? { webSearch: web } : {};
    if (!gate.passed) return { kind: 'failed', reason: `research gate: ${problems.join('; ')}`, outputs: { gate, evidence, ...webOutputs } };

    const summary = await ctx.generate('summary', 'research.summary', { idea: ctx.brief, evidence }, 800, (options) =>
      providers.text.summarizeResearch({ idea: ctx.brief, evidence }, options),
    );
    return {
      kind: 'passed',
      summary: `${evidence.length} pieces of evidence, mean score ${meanScore}`,
      outputs: { gate, evidence, ...webOutputs, summary: summary.value, model: summary.model, offline: summary.offline || providers.embedder.info.offline },
    };
  },
};
