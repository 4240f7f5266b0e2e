import { describe, expect, it } from 'vitest';
import { sanitizeIdea } from '../../src/pipeline/ideas/sanitize.js';
import { accessibility, credibility, evidenceScore, isPublicHost, recency } from '../../src/pipeline/evidence/score.js';
import { isAllowedMove, overallProgress } from '../../src/pipeline/lifecycle.js';
import { autoPauseReason, roiLabel, smokeResult } from '../../src/pipeline/campaigns.js';
import { weightedScore } from '../../src/pipeline/stages/investors.js';
import { checkDeck } from '../../src/pipeline/stages/deck.js';

const ok = { title: 'Bakery ordering for neighbourhood shops', description: 'Online ordering for neighbourhood bakery shops with pickup slots.' };

describe('intake sanitisation (docs/domain.md)', () => {
  it('strips markup and scripts, decodes entities to plain text, collapses whitespace, drops dangerous links', () => {
    const r = sanitizeIdea({
      title: '  <b>Bakery</b>   ordering &amp; pickup <script>alert(1)</script> for shops ',
      description: 'Online &lt;script&gt;steal()&lt;/script&gt; ordering\n\n\n\nfor bakery shops javascript:alert(1) with   pickup.',
      evidence: ['javascript:alert(1)', 'https://example.com/a', 'data:text/html,x'],
    });
    expect(r.problems).toEqual([]);
    expect(r.idea!.title).toBe('Bakery ordering & pickup for shops');
    expect(r.idea!.description).toBe('Online ordering\n\nfor bakery shops with pickup.');
    expect(r.idea!.evidenceLinks).toEqual(['https://example.com/a']);
    expect(r.warnings.filter((w) => w.includes('dropped'))).toHaveLength(2);
  });

  it('refuses lengths out of bounds, control characters, blocked words, bad categories and links, saying each', () => {
    expect(sanitizeIdea({ title: 'short', description: 'x' }).problems).toEqual([
      'title is 5 characters after clean-up; at least 10 are needed',
      'description is 1 characters after clean-up; at least 10 are needed',
    ]);
    expect(sanitizeIdea({ ...ok, title: 'x'.repeat(201) }).problems[0]).toMatch(/title is 201 characters; at most 200/);
    expect(sanitizeIdea({ ...ok, description: 'Bell \u0007 character in the description' }).problems).toEqual(['description contains a control character, BEL (U+0007) (only newline and tab are allowed)']);
    expect(sanitizeIdea({ ...ok, description: 'Tabs\tand\nnewlines are fine in a description' }).problems).toEqual([]);
    expect(sanitizeIdea({ ...ok, title: 'A totally legit SCAM detector' }).problems).toEqual(['title contains the blocked word "scam"']);
    expect(sanitizeIdea({ ...ok, title: 'Scammers beware: a spammy filter' }).problems).toEqual([]); // words, not substrings
    expect(sanitizeIdea({ ...ok, category: 'crypto' }).problems[0]).toMatch(/category "crypto" is not one of/);
    expect(sanitizeIdea({ ...ok, evidence: 'ftp://files.example.com/x' }).problems[0]).toMatch(/not http/);
    expect(sanitizeIdea({ ...ok, evidence: Array.from({ length: 11 }, (_, i) => `https://e.com/${i}`) }).problems).toEqual(['11 evidence links; at most 10 are allowed']);
    expect(sanitizeIdea({ ...ok, market: 'm'.repeat(501) }).idea).toBeNull();
  });

  it('warns but stores: repeated characters, capitals, buy now / click here, short description, no shared word', () => {
    const r = sanitizeIdea({ title: 'AMAZINGLYGOOD bakery app', description: 'Click here!!!!! now' });
    expect(r.idea).not.toBeNull();
    expect(r.warnings).toEqual([
      'a character is repeated 5 or more times in a row',
      '10 or more capital letters in a row',
      'contains "buy now" or "click here"',
      'description is under 5 words',
      'title and description share no word',
    ]);
    expect(sanitizeIdea(ok).warnings).toEqual([]);
  });
});

describe('scores and rules', () => {
  it('evidence scoring follows the weights, credibility tiers and recency steps', () => {
    expect(credibility('https://www.census.gov/x')).toBe(0.9);
    expect(credibility('https://arxiv.org/abs/1')).toBe(0.85);
    expect(credibility('https://www.reuters.com/x')).toBe(0.8);
    expect(credibility('https://someblog.io/x')).toBe(0.6);
    const now = new Date('2026-11-28');
    expect([10, 100, 300, 700, 900].map((d) => recency(new Date(now.getTime() - d * 86_400_000).toISOString(), now))).toEqual([1, 0.8, 0.6, 0.4, 0.2]);
    expect(evidenceScore({ credibility: 0.9, relevance: 1, accessibility: 1, recency: 1 })).toBe(0.96);
    expect(accessibility('http://127.0.0.1/x')).toBe(0);
    for (const host of ['localhost', '10.0.0.1', '192.168.1.1', '169.254.169.254', '172.16.0.1', '::1', 'fe80::1']) expect(isPublicHost(host)).toBe(false);
    expect(isPublicHost('example.com')).toBe(true);
  });

  it('moves, progress, rubrics, deck gate, campaign rules', () => {
    expect(isAllowedMove('RESEARCH', 'DECK')).toBe(true);
    expect(isAllowedMove('DECK', 'RESEARCH')).toBe(true);
    expect(isAllowedMove('RESEARCH', 'INVESTORS')).toBe(false);
    expect(isAllowedMove('COMPLETE', 'SMOKE_TEST')).toBe(false);
    expect(overallProgress('MVP', 0.5)).toBe(0.75);
    expect(overallProgress('COMPLETE', 1)).toBe(1);
    const all = { team: 1, market: 1, product_solution: 1, business_model: 0, pitch_quality: 0 };
    expect(weightedScore(all, 'vc')).toBe(0.8);
    expect(weightedScore(all, 'angel')).toBe(0.8);
    expect(checkDeck('---\nmarp: true\n---\n# A\n\nx').problems).toContain('1 slides; 10 are needed');
    expect(autoPauseReason({ impressions: 1000, clicks: 5, conversions: 0, costMicros: 150_000_000, daysActive: 2 })).toMatch(/auto-pause/);
    expect(autoPauseReason({ impressions: 1000, clicks: 5, conversions: 0, costMicros: 150_000_000, daysActive: 1 })).toBeNull();
    expect(autoPauseReason({ impressions: 1000, clicks: 50, conversions: 1, costMicros: 1, daysActive: 3 }, 'CRITICAL')).toMatch(/CRITICAL/);
    expect(roiLabel({ impressions: 1, clicks: 1, conversions: 0, costMicros: 0, daysActive: 1 })).toBe('NO_SPEND');
    expect(roiLabel({ impressions: 1, clicks: 1, conversions: 1, costMicros: 29_000_000, daysActive: 1 })).toBe('EXCELLENT');
    expect(roiLabel({ impressions: 1, clicks: 1, conversions: 1, costMicros: 59_000_000, daysActive: 1 })).toBe('GOOD');
    expect(roiLabel({ impressions: 1, clicks: 1, conversions: 0, costMicros: 5_000_000, daysActive: 1 })).toBe('POOR');
    // 2 of 3: CTR met and within budget, no conversions
    expect(smokeResult({ impressions: 100, clicks: 3, conversions: 0, costMicros: 2_000_000, daysActive: 7 }, 25_000_000, null).success).toBe(true);
    expect(smokeResult({ impressions: 1000, clicks: 3, conversions: 0, costMicros: 2_000_000, daysActive: 7 }, 25_000_000, null).success).toBe(false);
  });
});
