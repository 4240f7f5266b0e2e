import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { parseJson, runCli } from '../helpers/cli.js';
import { describeCliEachEngine } from '../helpers/db.js';
import { testSentinel } from '../helpers/sentinel.js';

// The CLI runs as its own process on the test's database: the test's schema on PostgreSQL, the home the
// test process owns embedded (so each command connects to it; embedded-cli.test.ts covers a command
// opening the home itself). Each test starts on a fresh budget cycle and charges what it needs.
describeCliEachEngine('studio budget CLI', (t) => {
  const run = (...args: string[]) => runCli(args, { env: { ...t.env, STUDIO_OPERATOR: 'carol', SSH_CLIENT: '192.0.2.10 5000 22' }, timeoutMs: 60_000 });
  const record = (amountCents: number, operation: string) =>
    testSentinel(t.db, t.config).record({ category: 'infrastructure', amountCents, service: 'hosting', operation, idempotencyKey: `${operation}-${amountCents}` });

  beforeEach(async () => {
    await testSentinel(t.db, t.config).reset({ operator: { user: 'test-setup' }, reason: 'a fresh cycle for the next test', confirm: true });
  });

  it('status --json: the cycle, its categories and the totals', { timeout: 60_000 }, async () => {
    const status = parseJson<Record<string, unknown>>(await run('budget', 'status', '--json'));
    expect(Object.keys(status)).toEqual(
      expect.arrayContaining(['cycle_id', 'cycle_start', 'total_budget', 'categories', 'emergency_shutdown', 'circuit_breaker_active']),
    );
    expect(status.total_budget).toMatchObject({ allocated: 62, spent: 0, remaining: 62, usage_percentage: 0 });
  });

  it('record charges once per operation and refuses what would pass the cap, in one line', { timeout: 60_000 }, async () => {
    const rec = await run('budget', 'record', '--category', 'infrastructure', '--amount', '4.10', '--service', 'hosting', '--operation', 'invoice-nov');
    expect(rec.code).toBe(0);
    expect(rec.stdout).toContain('recorded $4.10 to infrastructure');
    const again = await run('budget', 'record', '--category', 'infrastructure', '--amount', '4.10', '--service', 'hosting', '--operation', 'invoice-nov');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing charged again');

    const over = await run('budget', 'record', '--category', 'infrastructure', '--amount', '0.91', '--service', 'hosting', '--operation', 'extra');
    expect(over.code).toBe(1);
    expect(over.stderr.trim()).toBe('studio: budget: infrastructure would pass its cap: $4.10 used + $0.91 > $5.00; nothing was charged');
  });

  it('record refuses an unknown category and an amount that is not dollars and cents', { timeout: 60_000 }, async () => {
    const bad = await run('budget', 'record', '--category', 'snacks', '--amount', '1', '--service', 's', '--operation', 'o');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown category "snacks"/);
    const badAmount = await run('budget', 'record', '--category', 'infrastructure', '--amount', '1.234', '--service', 's', '--operation', 'o');
    expect(badAmount.code).toBe(1);
    expect(badAmount.stderr).toMatch(/not a dollar amount/);
  });

  it('status --detailed and the table show the spend and its level; check says operational', { timeout: 60_000 }, async () => {
    await record(410, 'invoice-nov');
    const detailed = parseJson<{ categories: Record<string, { spent: number; level: string }>; top_operations: unknown[]; burn_rate_per_hour: number }>(
      await run('budget', 'status', '--detailed', '--json'),
    );
    expect(detailed.categories.infrastructure).toMatchObject({ spent: 4.1, level: 'WARNING' });
    expect(detailed.top_operations).toHaveLength(1);

    const check = await run('budget', 'check');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/Budget systems operational/);

    const human = await run('budget', 'status');
    expect(human.stdout).toMatch(/infrastructure\s+\$4\.10\s+-\s+\$5\.00\s+\$0\.90/);
  });

  it('reset needs --confirm and --reason; it archives the cycle and history lists both', { timeout: 60_000 }, async () => {
    await record(410, 'invoice-nov');
    const before = parseJson<{ cycle_id: string }>(await run('budget', 'status', '--json'));
    const noConfirm = await run('budget', 'reset');
    expect(noConfirm.code).toBe(1);
    expect(noConfirm.stdout).toMatch(/--confirm --reason/);
    expect(parseJson<{ cycle_id: string }>(await run('budget', 'status', '--json')).cycle_id).toBe(before.cycle_id);

    const reset = await run('budget', 'reset', '--confirm', '--reason', 'new month', '--json');
    expect(reset.code).toBe(0);
    const { archive, closed, opened } = parseJson<{ archive: string; closed: string; opened: string }>(reset);
    expect(closed).toBe(before.cycle_id);
    expect(existsSync(join(archive, 'logs'))).toBe(true);
    expect(readdirSync(join(t.home, 'archives'))).toContainEqual(expect.stringMatching(/^budget_cycle_\d{8}_\d{6}$/));

    const history = parseJson<Array<{ cycle_id: string; ended_at: string | null; closed_by: string | null }>>(await run('budget', 'history', '--json'));
    expect(history[0]).toMatchObject({ cycle_id: opened, ended_at: null });
    expect(history[1]).toMatchObject({ cycle_id: closed, closed_by: 'carol' });
  });

  it('resume is refused when no emergency shutdown is active', { timeout: 60_000 }, async () => {
    const resume = await run('budget', 'resume', '--confirm', '--reason', 'nothing wrong');
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(/no emergency shutdown is active/);
  });
});
