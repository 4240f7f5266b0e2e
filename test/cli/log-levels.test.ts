import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseJson, runCli } from '../helpers/cli.js';
import { describeCliEachEngine } from '../helpers/db.js';

// An operator's typo is not a system error: it must not flood `logs --level ERROR` or `logs --patterns`.
describeCliEachEngine('usage errors in the log', (t) => {
  const run = (args: string[]) => runCli(args, { env: { ...t.env, LOG_LEVEL: 'info' }, timeoutMs: 60_000 });

  it('a missing reason or an unknown job is one INFO line without a stack, and no ERROR', async () => {
    const resume = await run(['budget', 'resume', '--confirm']);
    expect(resume.code).toBe(1);
    expect(resume.stderr.trim()).toBe('studio: budget: give a --reason (what was addressed), it goes to the audit log');
    const job = await run(['jobs', 'run', 'nonexistent.job']);
    expect(job.code).toBe(1);
    expect(job.stderr).toMatch(/^studio: jobs: there is no job "nonexistent.job"/);

    const errors = await run(['logs', '--level', 'ERROR', '--json']);
    expect(parseJson<unknown[]>(errors)).toEqual([]);
    const patterns = await run(['logs', '--patterns', '--json']);
    expect(parseJson<unknown[]>(patterns)).toEqual([]);

    const lines = readFileSync(join(t.home, 'logs', 'pipeline.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const refused = lines.filter((l) => String(l.msg).startsWith('command refused'));
    expect(refused.map((l) => [l.level, l.cmd, l.code])).toEqual([
      ['INFO', 'budget resume', 'INVALID_INPUT'],
      ['INFO', 'jobs run', 'NOT_FOUND'],
    ]);
    expect(refused.every((l) => l.err === undefined && !JSON.stringify(l).includes('    at '))).toBe(true);
  }, 120_000);
});
