import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { testSentinel } from '../helpers/sentinel.js';
import { createBudgetJobs } from '../../src/pipeline/budget/review.js';
import { silentLogger } from '../../src/core/logger.js';

describeEachEngine('daily budget review job', (t) => {
  it('writes the manual\'s report under reports/ and returns a summary', async () => {
    const sentinel = testSentinel(t.db, t.config);
    await sentinel.reset({ operator: { user: 'test' }, reason: 'review test', confirm: true });
    await sentinel.record({ category: 'openai_tokens', amountCents: 812, service: 'openai', operation: 'deck.slides', idempotencyKey: 'review-1' });
    const [job] = createBudgetJobs({ sentinel, config: t.config });
    const result = (await job!.run({
      signal: new AbortController().signal,
      logger: silentLogger(),
      scheduledFor: new Date('2026-11-28T08:00:00Z'),
      attempt: 1,
      manual: false,
      progress: () => undefined,
    })) as { report: string; level: string };
    expect(result.report).toMatch(/reports\/budget-review-2026-11-28\.txt$/);
    const text = readFileSync(result.report, 'utf8');
    expect(text).toContain('=== DAILY BUDGET REPORT ===');
    expect(text).toContain('Total Spent: $8.12');
    expect(text).toMatch(/openai_tokens: \$8\.12\/\$10\.00 \(81\.2%\) WARNING/);
    expect(text).toContain('openai deck.slides: 1 calls, $8.12');
  });
});
