/**
 * Evidence scoring of docs/domain.md: score = .40 credibility + .30 relevance + .20 accessibility + .10 recency.
 * Credibility by the source's host, recency by age, accessibility by how the source can be reached, and
 * relevance from the retrieval similarity. Also the URL guard: fetching refuses private, loopback and
 * link-local addresses. Pure.
 */
import { isIP } from 'node:net';
import { isPublicAddress } from '../../core/address.js';

const ACADEMIC = ['arxiv.org', 'pubmed.ncbi.nlm.nih.gov', 'ncbi.nlm.nih.gov', 'scholar.google.com', 'ieee.org', 'ieeexplore.ieee.org', 'acm.org', 'dl.acm.org', 'nature.com'];
const MAJOR_NEWS = [
  'reuters.com', 'bloomberg.com', 'ft.com', 'wsj.com', 'nytimes.com', 'economist.com', 'bbc.co.uk', 'bbc.com', 'apnews.com',
  'theguardian.com', 'washingtonpost.com', 'cnbc.com', 'forbes.com', 'techcrunch.com', 'theverge.com', 'wired.com',
];

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return undefined;
  }
}

const within = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/** .edu/.gov/.mil .9; arxiv/pubmed/scholar/ieee/acm/nature .85; major news .8; else .6. */
export function credibility(url: string): number {
  const host = hostOf(url);
  if (!host) return 0.6;
  if (/\.(edu|gov|mil)$/.test(host) || /\.(gov|ac|edu)\.[a-z]{2}$/.test(host)) return 0.9;
  if (ACADEMIC.some((d) => within(host, d))) return 0.85;
  if (MAJOR_NEWS.some((d) => within(host, d))) return 0.8;
  return 0.6;
}

/** <=30 d 1.0, <=180 .8, <=365 .6, <=730 .4, else .2 (unknown dates count as old). */
export function recency(publishedAt: string | null, now: Date): number {
  if (!publishedAt) return 0.2;
  const time = Date.parse(publishedAt);
  if (Number.isNaN(time)) return 0.2;
  const days = Math.max(0, (now.getTime() - time) / 86_400_000);
  if (days <= 30) return 1;
  if (days <= 180) return 0.8;
  if (days <= 365) return 0.6;
  if (days <= 730) return 0.4;
  return 0.2;
}

/** https on a public host 1.0; plain http .7; anything that could not be fetched (private address) 0. */
export function accessibility(url: string): number {
  try {
    const parsed = new URL(url);
    if (!isPublicHost(parsed.hostname)) return 0;
    return parsed.protocol === 'https:' ? 1 : 0.7;
  } catch {
    return 0;
  }
}

/**
 * Relevance from cosine similarity. Hashed (offline) and model embeddings put related texts at very
 * different cosines, so similarity is scaled: `fullAt` and above count as fully relevant.
 */
export function relevance(similarity: number, fullAt = 0.35): number {
  return Math.round(Math.min(1, Math.max(0, similarity / fullAt)) * 1000) / 1000;
}

export function evidenceScore(parts: { credibility: number; relevance: number; accessibility: number; recency: number }): number {
  const score = 0.4 * parts.credibility + 0.3 * parts.relevance + 0.2 * parts.accessibility + 0.1 * parts.recency;
  return Math.round(score * 1000) / 1000;
}

/** False for loopback, private, link-local, unspecified and other non-public addresses and names. */
export function isPublicHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (!host || host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return false;
  // IP literals by their bytes: every spelling alike (WHATWG URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1)
  if (isIP(host.replace(/%.*$/, ''))) return isPublicAddress(host);
  return true;
}
