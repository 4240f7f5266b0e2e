/**
 * Decks as a reader sees them: the offline provider's drafts for every sample idea, and a messy provider
 * deck, through `renderMarp`; then all of them through the real `@marp-team/marp-cli` to HTML. The rules
 * are checked here line by line, independently of the gate (`checkDeck`), which must agree.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { DeckContent, EvidenceItem, IdeaBrief, ResearchDomain } from '../../src/core/providers.js';
import { createOfflineTextGenerator } from '../../src/providers/offline/text.js';
import { checkDeck, renderMarp } from '../../src/pipeline/stages/deck.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MARP = join(root, 'node_modules/.bin/marp');

/** Evidence as RESEARCH hands it over: 10-16 items over the three domains, one market excerpt with a figure. */
function evidenceFor(idea: IdeaBrief, n: number): EvidenceItem[] {
  const domains: ResearchDomain[] = ['technology_trends', 'market_research', 'business_validation'];
  return Array.from({ length: n }, (_, i) => {
    const domain = domains[i % 3]!;
    const ref = i + 1;
    const title = `${domain.replace('_', ' ')} report ${ref} on ${idea.category}`;
    return {
      ref,
      domain,
      title,
      url: `https://evidence.example.com/${idea.category}/${ref}`,
      excerpt: domain === 'market_research' && i >= 4 ? `The ${idea.category} segment is worth $${20 + i} billion a year.` : `Findings ${ref} about ${idea.title}.`,
      publishedAt: '2026-05-01',
      credibility: 0.8,
      relevance: 0.7,
      accessibility: 1,
      recency: 0.9,
      score: 0.8 - i / 100,
      citation: `${title} — https://evidence.example.com/${idea.category}/${ref} (2026-05-01)`,
    };
  });
}

function sampleIdeas(): IdeaBrief[] {
  return readFileSync(join(root, 'examples/ideas.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const raw = JSON.parse(l) as Record<string, string | string[] | undefined>;
      return {
        id: `idea-${i}`,
        title: String(raw.title),
        description: String(raw.description),
        category: String(raw.category ?? 'uncategorized'),
        problem: (raw.problem as string | undefined) ?? null,
        solution: (raw.solution as string | undefined) ?? null,
        market: (raw.market as string | undefined) ?? null,
        evidenceLinks: (raw.evidence as string[] | undefined) ?? [],
      };
    });
}

/** The deck's slides (front matter and comments removed), each as its lines. */
function slidesOf(markdown: string): string[][] {
  return markdown
    .replace(/^---\n[\s\S]*?\n---\n/, '')
    .split(/\n---\n/)
    .map((s) => s.replace(/<!--[\s\S]*?-->/g, '').trim().split('\n'));
}

/** The reader's rules, checked directly on the markdown. */
function readerProblems(markdown: string, evidence: EvidenceItem[]): string[] {
  const problems: string[] = [];
  const slides = slidesOf(markdown);
  const last = slides[slides.length - 1]!;
  const hasSources = last[0] === '# Sources';
  const content = hasSources ? slides.slice(0, -1) : slides;
  const seen = new Map<string, number>();
  const firstUse: number[] = [];
  content.forEach((lines, s) => {
    for (const line of lines.slice(1)) {
      // the same sentence, or a clipped copy of it ("…"): compared on its first 50 characters
      const text = line.replace(/\[\d+\]/g, '').replace(/^- /, '').replace(/…$/, '').trim().toLowerCase().slice(0, 50);
      if (text) {
        if (seen.has(text)) problems.push(`slide ${s + 1} repeats a line of slide ${seen.get(text)! + 1}: ${line}`);
        seen.set(text, s);
      }
      const refs = [...line.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
      if (refs.length > 1) problems.push(`slide ${s + 1}: ${refs.length} citations on one claim: ${line}`);
      for (const r of refs) if (!firstUse.includes(r)) firstUse.push(r);
    }
  });
  if (firstUse.some((r, i) => r !== i + 1)) problems.push(`numbered out of order of first use: ${firstUse.join(',')}`);
  const listed = hasSources ? last.slice(1).filter((l) => l.trim()).map((l) => /^- \[(\d+)\] (.+)$/.exec(l)) : [];
  if (listed.some((m) => !m)) problems.push('a Sources line is not "- [n] citation"');
  if (listed.map((m) => Number(m![1])).join(',') !== firstUse.map((_, i) => i + 1).join(',')) problems.push(`Sources lists ${listed.map((m) => m?.[1]).join(',')} for citations ${firstUse.join(',')}`);
  // each listed source is a real evidence item, and its [n] points at the one cited there
  for (const m of listed) if (m && !evidence.some((e) => e.citation === m[2])) problems.push(`Sources names something not in the evidence: ${m[2]}`);
  return problems;
}

describe('decks: no repeated line, one citation per claim, numbered in order of first use, Sources = what is cited', () => {
  it('a messy provider deck is cleaned up', () => {
    const idea = sampleIdeas()[0]!;
    const evidence = evidenceFor(idea, 12);
    const deck: DeckContent = {
      slides: [
        { title: 'Pitch', body: 'Invoices chased for you.', citations: [] },
        { title: 'Problem', body: '- Late payment costs freelancers 5 hours a month [8][3]\n- Late payment costs freelancers 5 hours a month.\n- Cash flow suffers [99]', citations: [8, 3] },
        { title: 'Solution', body: '- Sends escalating reminders; $9 per month', citations: [] },
        { title: 'Market size', body: '- $65 billion [6] [1][6]\n- Target: US freelancers', citations: [6, 1] },
        { title: 'Business model', body: '- Sends escalating reminders; $9 per month\n- Revenue: $9 per month per user [3]', citations: [3] },
        ...['Traction', 'Competition', 'Team', 'Financials', 'Funding ask'].map((title) => ({ title, body: `- ${title} line`, citations: [] })),
      ],
    };
    const markdown = renderMarp(deck, evidence, { offline: false, model: 'm' });
    const slides = slidesOf(markdown);
    expect(slides[1]).toEqual(['# Problem', '', '- Late payment costs freelancers 5 hours a month [1]', '- Cash flow suffers']);
    expect(slides[3]).toEqual(['# Market size', '', '- $65 billion [2]', '- Target: US freelancers']);
    expect(slides[4]).toEqual(['# Business model', '', '- Revenue: $9 per month per user [3]']);
    expect(slides[10]).toEqual(['# Sources', '', `- [1] ${evidence[7]!.citation}`, `- [2] ${evidence[5]!.citation}`, `- [3] ${evidence[2]!.citation}`]);
    expect(readerProblems(markdown, evidence)).toEqual([]);
    expect(checkDeck(markdown)).toMatchObject({ passed: true, slides: 10 });
    // the gate refuses what the issue saw
    const before = '---\nmarp: true\n---\n' + ['# T\n\nx', '# Problem\n\n- a [6]\n- a', '# S\n\ny', '# Market\n\n- $65 billion [6] [1][6]', ...'6789A0'.split('').map((c) => `# ${c}\n\nz${c}`)].join('\n\n---\n\n');
    expect(checkDeck(before).problems).toEqual([
      'a line is repeated: "- a"',
      'a claim carries 3 citations: "- $65 billion [6] [1][6]"',
      'citations are not numbered in order of first use ([6] [1])',
      'the Sources slide lists [] but the deck cites [1, 6]',
    ]);
  });

  it('the offline drafts of every sample idea, with 10-16 evidence items each, follow the rules', () => {
    const text = createOfflineTextGenerator({ model: 'gpt-4o-mini', cheapModel: 'gpt-4o-mini' });
    const ideas = sampleIdeas();
    expect(ideas.length).toBeGreaterThanOrEqual(10);
    return Promise.all(
      ideas.map(async (idea, i) => {
        const evidence = evidenceFor(idea, 10 + (i % 7));
        const research = (await text.summarizeResearch({ idea, evidence })).value;
        const deck = (await text.writeDeck({ idea, research, evidence })).value;
        const markdown = renderMarp(deck, evidence, { offline: true, model: 'gpt-4o-mini' });
        expect(readerProblems(markdown, evidence), `${idea.title}\n${markdown}`).toEqual([]);
        expect(checkDeck(markdown), idea.title).toMatchObject({ passed: true, slides: 10 });
        // the provider itself already writes no duplicate line and one citation per claim
        expect(renderMarp(deck, evidence, { offline: true, model: 'x' }).includes('[1][')).toBe(false);
        const lines = deck.slides.flatMap((s) => s.body.split('\n')).map((l) => l.replace(/\[\d+\]/g, '').replace(/^- /, '').trim().toLowerCase().slice(0, 50)).filter(Boolean);
        expect(lines.length, idea.title).toBe(new Set(lines).size);
        // cites a few sources, not the whole evidence list
        const sources = slidesOf(markdown).at(-1)!.filter((l) => l.startsWith('- ['));
        expect(sources.length, idea.title).toBeGreaterThanOrEqual(2);
        expect(sources.length, idea.title).toBeLessThan(evidence.length);
      }),
    );
  });

  it('@marp-team/marp-cli renders the decks to HTML: one <section> per slide, headings and sources intact', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-marp-'));
    const out = join(dir, 'html');
    mkdirSync(join(dir, 'md'));
    const text = createOfflineTextGenerator({ model: 'gpt-4o-mini', cheapModel: 'gpt-4o-mini' });
    const ideas = sampleIdeas().slice(0, 4);
    for (const [i, idea] of ideas.entries()) {
      const evidence = evidenceFor(idea, 12 + i);
      const research = (await text.summarizeResearch({ idea, evidence })).value;
      const deck = (await text.writeDeck({ idea, research, evidence })).value;
      writeFileSync(join(dir, 'md', `deck-${i}.md`), renderMarp(deck, evidence, { offline: true, model: 'gpt-4o-mini' }));
    }
    const run = await execa(MARP, ['--no-config-file', '--html=false', '--input-dir', join(dir, 'md'), '--output', out], { reject: false, env: { NO_COLOR: '1' } });
    expect(run.exitCode, run.stderr).toBe(0);
    for (const [i, idea] of ideas.entries()) {
      const html = readFileSync(join(out, `deck-${i}.html`), 'utf8');
      const sections = [...html.matchAll(/<section\b[^>]*>([\s\S]*?)<\/section>/g)].map((m) => m[1]!);
      expect(sections, idea.title).toHaveLength(11);
      const heading = (s: string) => /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(s)?.[1];
      const escaped = idea.title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
      expect(heading(sections[0]!)).toBe(escaped);
      expect(sections.slice(1).map(heading)).toEqual(['Problem', 'Solution', 'Market size', 'Business model', 'Traction', 'Competition', 'Team', 'Financials', 'Funding ask', 'Sources']);
      expect(sections[10]).toMatch(/<li>\[1\] /);
      expect(sections[1]).toMatch(/\[1\]/);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
