import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseJson, runCli } from '../helpers/cli.js';
import { describeEachEngine } from '../helpers/db.js';

// The CLI runs as its own process: on PostgreSQL it shares the test's schema; embedded, it opens its own
// data directory under the test's STUDIO_HOME.
describeEachEngine('studio budget CLI', (t) => {
  const run = (...args: string[]) => runCli(args, { env: { ...t.env, STUDIO_OPERATOR: 'carol', SSH_CLIENT: '192.0.2.10 5000 22' } });

  it('status, record, cap refusal, check, reset with archive, resume refusal, history', async () => {
    const status = parseJson<Record<string, unknown>>(await run('budget', 'status', '--json'));
    expect(Object.keys(status)).toEqual(
      expect.arrayContaining(['cycle_id', 'cycle_start', 'total_budget', 'categories', 'emergency_shutdown', 'circuit_breaker_active']),
    );
    expect(status.total_budget).toMatchObject({ allocated: 62, spent: 0, remaining: 62, usage_percentage: 0 });

    const rec = await run('budget', 'record', '--category', 'infrastructure', '--amount', '4.10', '--service', 'hosting', '--operation', 'invoice-nov');
    expect(rec.code).toBe(0);
    expect(rec.stdout).toContain('recorded $4.10 to infrastructure');
    const again = await run('budget', 'record', '--category', 'infrastructure', '--amount', '4.10', '--service', 'hosting', '--operation', 'invoice-nov');
    expect(again.stdout).toContain('nothing charged again');

    const over = await run('budget', 'record', '--category', 'infrastructure', '--amount', '0.91', '--service', 'hosting', '--operation', 'extra');
    expect(over.code).toBe(1);
    expect(over.stderr.trim()).toBe('studio: budget: infrastructure would pass its cap: $4.10 used + $0.91 > $5.00; nothing was charged');

    const bad = await run('budget', 'record', '--category', 'snacks', '--amount', '1', '--service', 's', '--operation', 'o');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown category "snacks"/);
    const badAmount = await run('budget', 'record', '--category', 'infrastructure', '--amount', '1.234', '--service', 's', '--operation', 'o');
    expect(badAmount.stderr).toMatch(/not a dollar amount/);

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

    const noConfirm = await run('budget', 'reset');
    expect(noConfirm.code).toBe(1);
    expect(noConfirm.stdout).toMatch(/--confirm --reason/);
    const reset = await run('budget', 'reset', '--confirm', '--reason', 'new month', '--json');
    expect(reset.code).toBe(0);
    const { archive, closed, opened } = parseJson<{ archive: string; closed: string; opened: string }>(reset);
    expect(closed).toBe(status.cycle_id);
    expect(existsSync(join(archive, 'logs'))).toBe(true);
    expect(readdirSync(join(t.home, 'archives'))[0]).toMatch(/^budget_cycle_\d{8}_\d{6}$/);

    const resume = await run('budget', 'resume', '--confirm', '--reason', 'nothing wrong');
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(/no emergency shutdown is active/);

    const history = parseJson<Array<{ cycle_id: string; ended_at: string | null; closed_by: string | null }>>(await run('budget', 'history', '--json'));
    expect(history[0]).toMatchObject({ cycle_id: opened, ended_at: null });
    expect(history[1]).toMatchObject({ cycle_id: closed, closed_by: 'carol' });
  }, 240_000);
});
