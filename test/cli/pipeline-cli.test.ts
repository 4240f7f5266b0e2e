import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseJson, runCli } from '../helpers/cli.js';
import { describeCliEachEngine } from '../helpers/db.js';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

type Shown = { id: string; current_stage: string; status: string; parked_reason: string | null; waiting_on_budget: string | null; artifacts: string[]; outputs: Record<string, Record<string, unknown>> };

// What the issue calls done: on a fresh home, create the sample ideas, run the pipeline until idle, and
// every idea is COMPLETE or in a stated state, with its files on disk and in `studio show`.
describeCliEachEngine('studio create / pipeline run / show (the sample set, end to end)', (t) => {
  const run = (args: string[], input?: string) => runCli(args, { env: { ...t.env, STAGE_RETRY_BASE: '10ms', STUDIO_OPERATOR: 'olga', LOG_LEVEL: 'info' }, input, timeoutMs: 120_000 });

  it('bad inputs are refused clearly and nothing of them is stored', async () => {
    const one = await run(['create', '--title', 'Short', '--description', 'A scam to get rich'], '');
    expect(one.code).toBe(1);
    expect(one.stderr).toBe(
      'studio: create: idea refused; nothing was stored\n  - title is 5 characters after clean-up; at least 10 are needed\n  - description contains the blocked word "scam"',
    );
    const none = await run(['create'], '');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/give --title and --description, or --file/);
    const list = parseJson<unknown[]>(await run(['list', '--json']));
    expect(list).toEqual([]);
  }, 120_000);

  it('runs the sample set to COMPLETE or a stated state, with artifacts on disk and in show', async () => {
    const created = await run(['create', '--file', join(examples, 'ideas.jsonl'), '--json']);
    expect(created.code, created.stderr).toBe(0);
    const body = parseJson<{ created: number; ideas: Array<{ id: string; warnings: string[] }> }>(created);
    expect(body.created).toBeGreaterThanOrEqual(20);
    expect(body.ideas.some((i) => i.warnings.length > 0)).toBe(true);

    // the bad file: one line per problem, the cleanable idea stored, exit 1
    const bad = await run(['create', '--file', join(examples, 'bad-ideas.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/refused {2}line 1\n {9}- title is 9 characters/);
    expect(bad.stdout).toMatch(/blocked word "scam"/);
    expect(bad.stdout).toMatch(/contains a control character, BEL \(U\+0007\)/);
    expect(bad.stdout).toMatch(/created {2}\S+ {2}A landing page builder for bakeries/);
    expect(bad.stdout).toMatch(/duplicate: an idea with the same title exists \(\S+ "Invoice reminders that chase late payments for freelancers"\); use --force/);
    expect(bad.stdout).toContain('1 created, 4 refused');

    const ran = await run(['pipeline', 'run', '--until-idle', '--workers', '2']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/stopped: idle/);

    const status = parseJson<{ total: number; processing: number; waiting_on_budget: number; parked: number; stages: Record<string, number> }>(await run(['pipeline', 'status', '--json']));
    // nothing is left half-way: each idea is complete, parked for an operator, or waiting on budget
    expect(status.processing).toBe(status.waiting_on_budget);
    expect(status.stages.COMPLETE).toBeGreaterThan(0);

    const ideas = parseJson<Array<{ id: string; stage: string; status: string; parked_reason: string | null; waiting_on_budget: string | null }>>(await run(['list', '--json', '--limit', '100']));
    expect(ideas).toHaveLength(status.total);
    for (const idea of ideas) {
      const stated = idea.stage === 'COMPLETE' || idea.parked_reason !== null || idea.waiting_on_budget !== null;
      expect(stated, `${idea.id} ${idea.stage} ${idea.status}`).toBe(true);
    }
    const finished = ideas.filter((i) => i.stage === 'COMPLETE');
    expect(finished.length).toBe(status.stages.COMPLETE);
    const target = parseJson<Shown>(await run(['show', '--id', finished[0]!.id, '--json']));
    expect(target.artifacts.map((a) => a.split('/').pop())).toEqual(['deck.md', 'landing.html', 'smoke-test.json']);
    for (const file of target.artifacts) expect(existsSync(file)).toBe(true);
    expect(readFileSync(target.artifacts[0]!, 'utf8')).toContain('marp: true');
    expect(target.outputs.smoke_test).toMatchObject({ offline: true, account: 'simulated' });
    expect(target.outputs.smoke_test!.roi).toMatch(/EXCELLENT|GOOD|POOR|NO_SPEND/);

    // the human view, by id prefix
    const text = await run(['show', '--id', target.id.slice(0, 8)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/smoke test {2}(success|no success): CTR/);

    // the manual's recovery: preview (exit 1, nothing changed), then confirm (audited)
    const preview = await run(['reset-idea', `--id=${target.id}`, '--stage=MVP']);
    expect(preview.code).toBe(1);
    expect(preview.stdout).toMatch(/re-runs: MVP ~\$0\.\d\d, SMOKE_TEST ~\$25\.\d\d/);
    expect(preview.stdout).toContain('nothing changed');
    const reset = await run(['reset-idea', `--id=${target.id}`, '--stage=MVP', '--confirm', '--reason', 'landing copy changed']);
    expect(reset.code, reset.stderr).toBe(0);
    const after = parseJson<Shown>(await run(['show', '--id', target.id, '--json']));
    expect(after).toMatchObject({ current_stage: 'MVP', status: 'BUILDING' });
    const moved = await run(['advance', '--id', target.id, '--stage', 'COMPLETE']);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toMatch(/MVP -> COMPLETE is not an allowed move/);
  }, 240_000);
});
