/**
 * Offline text generation: deterministic drafts built from the idea's own fields and the evidence it was
 * given, labelled offline, with token usage reported for the configured model (a shadow cost). A retry
 * (a higher attempt) may score slightly differently, as a real model would.
 */
import type {
  AdCopy,
  DeckContent,
  EvidenceItem,
  GenerateOptions,
  Generated,
  IdeaBrief,
  LandingCopy,
  ResearchSummary,
  RubricCriterion,
  RubricScores,
  TextGenerator,
} from '../../core/providers.js';
import { seededRandom, words } from './hashing.js';

const tokens = (value: unknown) => Math.ceil(JSON.stringify(value ?? '').length / 4);

const RISKS: Record<string, string[]> = {
  fintech: ['regulatory licensing (money transmission, KYC/AML)', 'fraud and chargeback exposure'],
  healthtech: ['clinical validation and HIPAA/GDPR compliance', 'long sales cycles with providers'],
  edtech: ['low willingness to pay among learners', 'seasonal demand tied to the school year'],
  saas: ['crowded category with incumbents', 'churn before payback of acquisition cost'],
  ecommerce: ['thin margins and logistics cost', 'dependence on paid acquisition'],
  ai_ml: ['model cost and accuracy at scale', 'fast-moving competition from platform vendors'],
  blockchain: ['regulatory uncertainty', 'volatile user demand tied to token prices'],
  consumer: ['high acquisition cost', 'retention beyond novelty'],
  enterprise: ['long procurement cycles', 'security reviews before any pilot'],
  marketplace: ['chicken-and-egg liquidity', 'disintermediation by repeat users'],
  uncategorized: ['an unclear buyer', 'unproven demand'],
};

const COMPETITION: Record<string, string> = {
  fintech: 'Banks, neobanks and spreadsheet workflows',
  healthtech: 'EHR vendors, point solutions and manual processes',
  edtech: 'MOOCs, tutors and free video content',
  saas: 'Horizontal suites and in-house tools',
  ecommerce: 'Marketplaces (Amazon, Etsy) and DTC brands',
  ai_ml: 'Foundation-model vendors and in-house ML teams',
  blockchain: 'Centralised exchanges and existing protocols',
  consumer: 'Free apps and habits already formed',
  enterprise: 'Incumbent vendors and consultancies',
  marketplace: 'Classifieds, social groups and direct relationships',
  uncategorized: 'The status quo',
};

function firstSentence(text: string, max = 160): string {
  const sentence = (text.split(/(?<=[.!?])\s/)[0] ?? text).trim();
  return clip(sentence, max);
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.5 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, '')}…`;
}

function allText(idea: IdeaBrief): string {
  return [idea.title, idea.description, idea.problem, idea.solution, idea.market].filter(Boolean).join(' ');
}

const PRICING = /\b(subscription|per month|monthly|per seat|fee|fees|commission|pricing|license|licence|take rate|per user|freemium|\$\d)/i;
const TEAM = /\b(founder|founders|team|experience|years|former|ex-|phd|clinician|engineer|operators?)\b/i;

/**
 * The revenue line. When the pricing sentence is one the deck already shows (usually the solution), only
 * its pricing clause is used ("Revenue: monthly subscription per clinician"), so no slide copies another.
 */
function businessModel(idea: IdeaBrief, used: Set<string> = new Set()): string {
  const text = allText(idea);
  const match = PRICING.exec(text);
  if (match) {
    const sentence = text.split(/(?<=[.!?])\s/).find((s) => PRICING.test(s))?.trim();
    const key = sentence ? firstSentence(sentence, 240).toLowerCase().replace(/[^a-z0-9$]+/g, ' ').trim() : '';
    const shown = [...used].some((u) => u && key && (u.startsWith(key.slice(0, 60)) || key.startsWith(u.slice(0, 60))));
    if (sentence && !shown) return clip(sentence, 200);
    const clause = (sentence ?? text).split(/[;,]|\band\b/).map((c) => c.trim()).find((c) => PRICING.test(c));
    return `Revenue: ${clip((clause ?? match[0]).replace(/[.]+$/, ''), 160)}`;
  }
  if (idea.category === 'marketplace') return 'Take rate on transactions (to be validated)';
  return 'Not stated yet: subscription pricing to be validated by the smoke test';
}

/** A line about the team from the idea's own words, or a plain statement that there is none yet. */
function teamLine(idea: IdeaBrief): string {
  const sentence = allText(idea).split(/(?<=[.!?])\s/).find((s) => TEAM.test(s));
  return sentence ? firstSentence(sentence) : 'Studio venture team; founding CEO to be recruited';
}

function marketSize(evidence: EvidenceItem[]): string | null {
  for (const item of evidence) {
    const match = /\$\s?\d[\d.,]*\s?(?:billion|million|trillion|bn|m|b)\b/i.exec(item.excerpt);
    if (match) return `${match[0]} [${item.ref}]`;
  }
  return null;
}

export function createOfflineTextGenerator(options: { model: string; cheapModel: string }): TextGenerator {
  function result<T>(input: unknown, value: T, opts: GenerateOptions | undefined, started: number): Generated<T> {
    return {
      value,
      model: opts?.model ?? options.model,
      usage: { inputTokens: tokens(input) + 150, outputTokens: tokens(value) },
      latencyMs: Math.round(performance.now() - started),
      offline: true,
    };
  }

  return {
    info: { name: 'offline-text', offline: true, model: options.model, cheapModel: options.cheapModel },

    async summarizeResearch(input, opts) {
      const started = performance.now();
      const { idea, evidence } = input;
      const byDomain = new Map<string, number>();
      for (const item of evidence) byDomain.set(item.domain, (byDomain.get(item.domain) ?? 0) + 1);
      const size = marketSize(evidence);
      const value: ResearchSummary = {
        summary:
          `${firstSentence(idea.problem || idea.description)} ` +
          `${evidence.length} sources were found (${[...byDomain].map(([d, n]) => `${d.replace('_', ' ')} ${n}`).join(', ') || 'none'}); ` +
          `the strongest: ${evidence.slice(0, 2).map((e) => `${e.title} [${e.ref}]`).join('; ') || 'none'}. (offline draft)`,
        marketSize: size ?? (idea.market ? `Target market: ${clip(idea.market, 160)} (size not quantified in the evidence)` : 'Not quantified in the evidence'),
        risks: RISKS[idea.category] ?? RISKS.uncategorized!,
      };
      return result(input, value, opts, started);
    },

    async writeDeck(input, opts) {
      const started = performance.now();
      const { idea, research, evidence } = input;
      const refs = (domain: string) => evidence.filter((e) => e.domain === domain).map((e) => e.ref);
      const problemRef = [...refs('business_validation'), ...refs('market_research')][0];
      const marketRef = refs('market_research')[0] ?? problemRef;
      const trendRef = refs('technology_trends')[0];
      // one citation per claim; the market size may already carry the citation of the excerpt it came from
      const cite = (ref: number | undefined) => (ref === undefined ? '' : ` [${ref}]`);
      const market = /\[\d+\]/.test(research.marketSize) ? research.marketSize : `${research.marketSize}${cite(marketRef)}`;
      const sentences = (text: string | null | undefined) => (text ?? '').split(/(?<=[.!?])\s+/).map((x) => x.trim()).filter(Boolean);
      // every sentence appears once in the deck: a slide asks for a line and gets the fallback when it was used
      const used = new Set<string>();
      const fresh = (line: string, fallback: string) => {
        const key = line.toLowerCase().replace(/\[\d+\]/g, '').replace(/[^a-z0-9$]+/g, ' ').trim();
        // a clipped copy is still a copy: the same opening counts as the same sentence
        if ([...used].some((u) => u.slice(0, 60) === key.slice(0, 60))) return fallback;
        used.add(key);
        return line;
      };
      const pitch = fresh(firstSentence(idea.description), `A ${idea.category} venture`);
      const problem = fresh(firstSentence(idea.problem || idea.description, 240), 'The problem is stated in the idea description');
      const solution = sentences(idea.solution);
      const how = fresh(clip(solution[0] ?? idea.description, 240), 'How it works: to be specified');
      const moreHow = solution[1] ? fresh(clip(solution[1], 200), '') : '';
      const target = idea.market ? clip(idea.market, 160) : 'to be defined';
      const evidenceLine = (ref: number | undefined, prefix: string) => {
        const item = evidence.find((e) => e.ref === ref);
        return item ? `- ${prefix}: ${clip(item.title, 120)}${cite(ref)}` : '';
      };
      const lines = (...list: string[]) => list.filter(Boolean).join('\n');
      const slides: DeckContent['slides'] = [
        { title: idea.title, body: `${pitch}\n\n_Category: ${idea.category} · offline draft_`, citations: [] },
        {
          title: 'Problem',
          body: lines(`- ${problem}${cite(problemRef)}`, evidenceLine([...refs('business_validation'), ...refs('market_research')].find((r) => r !== problemRef), 'Also reported')),
          citations: [],
        },
        { title: 'Solution', body: lines(`- ${how}`, moreHow && `- ${moreHow}`, evidenceLine(trendRef, 'Enabled by')), citations: [] },
        { title: 'Market size', body: lines(`- ${market}`, `- Target: ${target}`), citations: [] },
        { title: 'Business model', body: lines(`- ${fresh(businessModel(idea, used), 'Pricing to be validated by the smoke test')}`, '- Willingness to pay measured by the smoke test before any build'), citations: [] },
        { title: 'Traction', body: '- Pre-launch: landing page and a $25 / 7-day search campaign measure demand\n- Early-signup events tracked per idea', citations: [] },
        { title: 'Competition', body: `- ${COMPETITION[idea.category] ?? COMPETITION.uncategorized}\n- Edge: built for ${idea.market ? clip(idea.market, 100) : 'one niche'} first, not adapted from a general tool`, citations: [] },
        { title: 'Team', body: `- ${fresh(teamLine(idea), 'Studio venture team; founding CEO to be recruited')}`, citations: [] },
        { title: 'Financials', body: '- Year 1: validate demand and pricing; Year 2: first revenue cohort\n- Spend capped per cycle by the studio budget', citations: [] },
        { title: 'Funding ask', body: `- Pre-seed to build the MVP and run paid acquisition tests\n- Key risks: ${research.risks.join('; ')}`, citations: [] },
      ];
      for (const slide of slides) slide.citations = [...slide.body.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
      return result(input, { slides }, opts, started);
    },

    async scoreInvestors(input, opts) {
      const started = performance.now();
      const { idea, research, deckMarkdown, profile } = input;
      const random = seededRandom(`${idea.id}:${opts?.attempt ?? 1}:${profile}`);
      const jitter = () => (random() - 0.5) * 0.06;
      const text = allText(idea);
      const descriptionWords = words(idea.description).length;
      const clamp = (x: number) => Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;
      const quantified = !/not quantified/i.test(research.marketSize);
      const scores: Record<RubricCriterion, number> = {
        team: clamp((TEAM.test(text) ? 0.88 : 0.68) + jitter()),
        market: clamp(0.5 + (idea.market ? 0.2 : 0) + (quantified ? 0.2 : 0) + (idea.evidenceLinks.length > 0 ? 0.05 : 0) + jitter()),
        product_solution: clamp(0.5 + ((idea.solution?.length ?? 0) > 40 ? 0.25 : 0) + (idea.problem ? 0.15 : 0) + (descriptionWords >= 20 ? 0.08 : 0) + jitter()),
        business_model: clamp((PRICING.test(text) || idea.category === 'marketplace' ? 0.88 : 0.55) + jitter()),
        pitch_quality: clamp(0.7 + ((deckMarkdown.match(/\[\d+\]/g)?.length ?? 0) >= 2 ? 0.15 : 0) + (descriptionWords >= 20 ? 0.08 : 0) + jitter()),
      };
      const notes = [
        idea.market ? 'target market stated' : 'no target market stated',
        quantified ? 'market size backed by evidence' : 'market size not quantified',
        PRICING.test(text) ? 'pricing stated' : 'no pricing stated',
        TEAM.test(text) ? 'team experience mentioned' : 'team not described',
        `${profile} profile (offline scoring)`,
      ];
      const value: RubricScores = { scores, notes };
      return result(input, value, opts, started);
    },

    async writeLanding(input, opts) {
      const started = performance.now();
      const { idea } = input;
      const value: LandingCopy = {
        headline: clip(idea.title, 80),
        subheadline: firstSentence(idea.solution || idea.description, 180),
        bullets: [
          `The problem: ${firstSentence(idea.problem || idea.description, 140)}`,
          `How it works: ${firstSentence(idea.solution || idea.description, 140)}`,
          `Made for ${idea.market ? clip(idea.market, 120) : 'people who feel this every day'}`,
        ],
        callToAction: 'Join the early-access list',
      };
      return result(input, value, opts, started);
    },

    async writeAdCopy(input, opts) {
      const started = performance.now();
      const { idea } = input;
      const counts = new Map<string, number>();
      const list = words(`${idea.title} ${idea.title} ${idea.description} ${idea.solution ?? ''}`).filter((w) => w.length > 3 && !/^\d+$/.test(w));
      for (const word of list) counts.set(word, (counts.get(word) ?? 0) + 1);
      const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
      const keywords = ranked.slice(0, 5);
      for (const filler of ['app', 'software', 'tool', 'service', 'platform']) if (keywords.length < 5 && !keywords.includes(filler)) keywords.push(filler);
      const top = keywords[0] ?? 'it';
      const value: AdCopy = {
        headlines: [clip(idea.title, 30), clip(`Try ${top} differently`, 30), 'Join Early Access Today'],
        descriptions: [
          clip(firstSentence(idea.solution || idea.description), 90),
          clip(`Built for ${idea.market || 'you'}.`, 90),
          'Be first to try it: sign up for early access, free.',
        ],
        keywords: keywords.map((k, i) => (i < 2 && keywords[i + 1] ? `${k} ${keywords[i + 1]}` : k)),
      };
      return result(input, value, opts, started);
    },
  };
}
