/**
 * Every log line the real commands write is one JSON object with unique keys. JSON.parse keeps the last
 * of two equal keys without a word, so the keys are checked with a tokenizer (test/helpers/json-lines.ts);
 * its own cases come first so this test can fail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, CHILD_ENV, NODE_ARGS, runCli } from '../helpers/cli.js';
import { describeEachEngine } from '../helpers/db.js';
import { loadConfig } from '../../src/core/config.js';
import { openDatabase } from '../../src/storage/open.js';
import { checkLogLines, duplicateKeys } from '../helpers/json-lines.js';
import { waitFor } from '../helpers/wait.js';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

describe('duplicateKeys (the checker itself)', () => {
  it('finds a key written twice, at any depth, which JSON.parse hides', () => {
    const line = '{"level":"INFO","pid":7,"host":"h","pid":7,"msg":"scheduler started"}';
    expect(JSON.parse(line)).toMatchObject({ pid: 7 });
    expect(duplicateKeys(line)).toEqual(['pid']);
    expect(duplicateKeys('{"a":{"b":1,"c":[{"d":1,"d":2}],"b":"x"}}')).toEqual(['a.c[0].d', 'a.b']);
    expect(duplicateKeys('{"a":"\\"a\\":1","b":[1,2.5e3,true,null,"x"]}')).toEqual([]);
    expect(checkLogLines('{"a":1}\nnot json\n[1]\n{"a":1,"a":2}\n').problems.map((p) => [p.line, p.problem.split(':')[0]])).toEqual([
      [2, 'not JSON'],
      [3, 'not a JSON object'],
      [4, 'duplicate keys'],
    ]);
  });
});

describeEachEngine('log lines of real commands', (t) => {
  it('pipeline, jobs, health and the scheduler write one JSON object with unique keys per line', { timeout: 180_000 }, async () => {
    const env = { ...t.env, LOG_LEVEL: 'debug', STAGE_RETRY_BASE: '10ms', STUDIO_TEST_JOBS: 'true', SCHEDULER_HEARTBEAT: '200ms' };
    const ideas = readFileSync(join(examples, 'ideas.jsonl'), 'utf8').split('\n')[0]!;
    // embedded: the test process owns the home while these commands run (they connect to it, as beside a
    // running scheduler, instead of each starting PGlite), then lets go: the scheduler below opens the
    // database itself and writes the owner's lines
    const owner = t.engine === 'pglite' ? await openDatabase(loadConfig({ env, cwd: t.home, dotenv: false }), { applicationName: 'studio-test-owner' }) : undefined;
    try {
      expect((await runCli(['create', '--file', '-'], { env, input: ideas })).code).toBe(0);
      const ran = await runCli(['pipeline', 'run', '--until-idle'], { env, timeoutMs: 150_000 });
      expect(ran.code, ran.stderr).toBe(0);
      expect((await runCli(['jobs', 'run', 'budget.review'], { env })).code).toBe(0);
      await runCli(['health', '--record'], { env });
    } finally {
      await owner?.close();
    }

    const proc = execa(process.execPath, [...NODE_ARGS, BIN, 'scheduler', '--metrics-port', '0'], { env: { ...CHILD_ENV, NO_COLOR: '1', ...env }, extendEnv: true, reject: false, buffer: false });
    let stdout = '';
    proc.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      await waitFor('the scheduler to run a test.tick', () => {
        if (proc.exitCode !== null) throw new Error(`the scheduler exited (${proc.exitCode}); stdout:\n${stdout.slice(-2000)}`);
        return /"msg":"job test.tick succeeded"/.test(stdout);
      }, { timeoutMs: 60_000, detail: () => `stdout:\n${stdout.slice(-2000)}` });
    } finally {
      proc.kill('SIGTERM');
    }
    expect((await proc).exitCode).toBe(0);
    expect(stdout).toMatch(/"msg":"scheduler started with \d+ jobs"/);

    const file = readFileSync(join(t.home, 'logs/pipeline.log'), 'utf8');
    for (const [name, text] of [['logs/pipeline.log', file], ['scheduler stdout', stdout]] as const) {
      const checked = checkLogLines(text);
      expect(checked.lines, name).toBeGreaterThan(5);
      expect(checked.problems, name).toEqual([]);
    }
    // the lines that had the duplicate: pid once, and it is the scheduler's
    const started = file.split('\n').find((l) => l.includes('"msg":"scheduler started'))!;
    expect(JSON.parse(started).pid).toBe(proc.pid);
  });
});
