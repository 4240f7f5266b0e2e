/**
 * The provider ports: what the pipeline asks of text generation, embeddings, the ads account, analytics
 * and web search, in domain terms rather than as generic chat calls. `app.ts` builds one implementation of
 * each: the real services (OpenAI, Google Ads, PostHog) where keys are set, else the offline stand-ins in
 * `src/providers/offline/`, which are deterministic, labelled `offline` in every output and report token
 * usage for the configured model names (a *shadow* cost, so the budget moves in a demo).
 *
 * Money is never computed here: a result reports usage; the stage prices it (`pricing.ts`) and settles
 * its reservation with the budget sentinel.
 */

export interface ProviderInfo {
  /** openai, google_ads, posthog, offline-text, simulated-ads ... */
  name: string;
  /** true for the offline stand-ins: shown beside everything they produce. */
  offline: boolean;
}

export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens?: number;
  outputTokens: number;
}

/** What every text generation returns: the value, and what it cost in tokens of which model. */
export interface Generated<T> {
  value: T;
  model: string;
  usage: TokenUsage;
  latencyMs: number;
  offline: boolean;
}

export interface GenerateOptions {
  /** Model to use instead of the configured one (the cheap model for non-critical work at CRITICAL). */
  model?: string;
  /** 1 for the first try of a stage, then 2, 3 ... (a retry may well answer differently). */
  attempt?: number;
  signal?: AbortSignal;
}

/** The idea as providers see it. */
export interface IdeaBrief {
  id: string;
  title: string;
  description: string;
  category: string;
  problem?: string | null;
  solution?: string | null;
  market?: string | null;
  evidenceLinks: string[];
}

export type ResearchDomain = 'market_research' | 'technology_trends' | 'business_validation';
export const RESEARCH_DOMAINS: ResearchDomain[] = ['market_research', 'technology_trends', 'business_validation'];

/** One scored piece of evidence with its citation. */
export interface EvidenceItem {
  /** Citation number, [n] in decks. */
  ref: number;
  domain: ResearchDomain;
  title: string;
  url: string;
  excerpt: string;
  publishedAt: string | null;
  credibility: number;
  relevance: number;
  accessibility: number;
  recency: number;
  score: number;
  /** "Title — url (2026-05-01)" */
  citation: string;
}

export interface ResearchSummary {
  summary: string;
  marketSize: string;
  risks: string[];
}

export interface Slide {
  title: string;
  /** Markdown body (bullets). */
  body: string;
  /** Evidence refs cited on this slide. */
  citations: number[];
}

export interface DeckContent {
  slides: Slide[];
}

export const RUBRIC_CRITERIA = ['team', 'market', 'product_solution', 'business_model', 'pitch_quality'] as const;
export type RubricCriterion = (typeof RUBRIC_CRITERIA)[number];

export interface RubricScores {
  /** 0..1 per criterion. */
  scores: Record<RubricCriterion, number>;
  notes: string[];
}

export interface LandingCopy {
  headline: string;
  subheadline: string;
  bullets: string[];
  callToAction: string;
}

export interface AdCopy {
  /** 3, each <= 30 characters (Google Ads responsive search ads). */
  headlines: string[];
  /** 3, each <= 90 characters. */
  descriptions: string[];
  /** 5 */
  keywords: string[];
}

export interface TextGenerator {
  readonly info: ProviderInfo & { model: string; cheapModel: string };
  summarizeResearch(input: { idea: IdeaBrief; evidence: EvidenceItem[] }, options?: GenerateOptions): Promise<Generated<ResearchSummary>>;
  writeDeck(input: { idea: IdeaBrief; research: ResearchSummary; evidence: EvidenceItem[] }, options?: GenerateOptions): Promise<Generated<DeckContent>>;
  scoreInvestors(
    input: { idea: IdeaBrief; research: ResearchSummary; deckMarkdown: string; profile: 'vc' | 'angel' },
    options?: GenerateOptions,
  ): Promise<Generated<RubricScores>>;
  writeLanding(input: { idea: IdeaBrief; research: ResearchSummary }, options?: GenerateOptions): Promise<Generated<LandingCopy>>;
  writeAdCopy(input: { idea: IdeaBrief; landing: LandingCopy }, options?: GenerateOptions): Promise<Generated<AdCopy>>;
}

export interface Embeddings {
  /** One vector per text, L2-normalised, of `dimensions` floats. */
  vectors: number[][];
  model: string;
  usage: { inputTokens: number };
  offline: boolean;
}

export interface Embedder {
  readonly info: ProviderInfo & { model: string };
  readonly dimensions: number;
  /**
   * The cosine similarity at which a passage counts as fully relevant to a query (relevance = cosine /
   * this, capped at 1): hashed embeddings put related texts far lower than a trained model does.
   */
  readonly fullRelevanceAt: number;
  /** Embed a batch (one call, one charge). */
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<Embeddings>;
}

export interface CampaignSpec {
  /** Unique per idea and attempt: creating the same name twice returns the same campaign. */
  name: string;
  ideaId: string;
  budgetMicros: number;
  dailyBudgetMicros: number;
  days: number;
  headlines: string[];
  descriptions: string[];
  keywords: string[];
  bidding: 'MAXIMIZE_CONVERSIONS';
  locations: string[];
  finalUrl: string;
}

export interface DailyMetrics {
  /** 1-based day of the campaign. */
  day: number;
  impressions: number;
  clicks: number;
  conversions: number;
  costMicros: number;
}

export interface AdsAccount {
  readonly info: ProviderInfo & { account: 'google_ads' | 'simulated' };
  createCampaign(spec: CampaignSpec): Promise<{ campaignId: string }>;
  pause(campaignId: string): Promise<void>;
  enable(campaignId: string): Promise<void>;
  /** Metrics of one day; null when that day has not happened yet. */
  metrics(campaignId: string, day: number): Promise<DailyMetrics | null>;
}

export interface Analytics {
  readonly info: ProviderInfo;
  capture(event: string, properties: Record<string, unknown>): Promise<void>;
  /** `early_signup` events for the idea so far. */
  signups(ideaId: string): Promise<number>;
  /** The project key to put in landing pages; undefined offline (no key is inlined then). */
  readonly publicKey?: string;
  readonly host: string;
  /**
   * Send what is still queued, waiting at most `timeoutMs` (then drop it); later events are dropped.
   * Never rejects. The app calls it when it closes.
   */
  close?(timeoutMs?: number): Promise<void>;
}

export interface EvidenceHit {
  title: string;
  url: string;
  excerpt: string;
  publishedAt: string | null;
}

/** A hit's page as text, fetched through the SSRF guard. */
export interface EvidencePage {
  /** Where the text came from (after redirects). */
  url: string;
  title: string | null;
  text: string;
}

/** Optional web search for evidence (offline: none). */
export interface EvidenceSearch {
  readonly info: ProviderInfo;
  search(query: string, domain: ResearchDomain, limit: number, options?: { signal?: AbortSignal }): Promise<EvidenceHit[]>;
  /** The page of a hit as text; absent = only the snippets are used. */
  fetchPage?(url: string, options?: { signal?: AbortSignal }): Promise<EvidencePage>;
}

export interface Providers {
  text: TextGenerator;
  embedder: Embedder;
  ads: AdsAccount;
  analytics: Analytics;
  search?: EvidenceSearch;
}
