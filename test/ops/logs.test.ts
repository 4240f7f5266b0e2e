import { appendFileSync, mkdirSync, mkdtempSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { messageShape, PatternCounter, type LogEntry } from '../../src/ops/logs/entries.js';
import { followLog, readLogs } from '../../src/ops/logs/read.js';
import { getEventListeners } from 'node:events';
import { CLI_TEST_TIMEOUT, parseJson, runCli } from '../helpers/cli.js';

const line = (time: string, level: string, msg: string, extra: Record<string, unknown> = {}) => JSON.stringify({ level, time, pid: 1, msg, ...extra });

function logDir(): { home: string; file: string } {
  const home = mkdtempSync(join(tmpdir(), 'studio-logs-'));
  const dir = join(home, 'logs');
  const file = join(dir, 'pipeline.log');
  mkdirSync(dir, { recursive: true });
  const old = [
    line('2026-11-01T10:00:00.000Z', 'ERROR', 'stage RESEARCH failed for idea 0b7e3c1a-1111-4222-8333-444455556666 after 3 attempts'),
    line('2026-11-01T10:05:00.000Z', 'INFO', 'pipeline tick'),
  ];
  writeFileSync(join(dir, 'pipeline.log.2.gz'), gzipSync(`${old.join('\n')}\n`));
  utimesSync(join(dir, 'pipeline.log.2.gz'), new Date('2026-11-01T11:00:00Z'), new Date('2026-11-01T11:00:00Z'));
  writeFileSync(
    join(dir, 'pipeline.log.1'),
    `${[
      line('2026-11-02T10:00:00.000Z', 'ERROR', 'stage RESEARCH failed for idea 9f1e3c1a-aaaa-4bbb-8ccc-ddddeeeeffff after 2 attempts'),
      line('2026-11-02T10:01:00.000Z', 'WARNING', 'budget openai_tokens at 81%'),
      'a plain text line with ERROR in it',
    ].join('\n')}\n`,
  );
  utimesSync(join(dir, 'pipeline.log.1'), new Date('2026-11-02T11:00:00Z'), new Date('2026-11-02T11:00:00Z'));
  writeFileSync(
    file,
    `${[line('2026-11-03T10:00:00.000Z', 'CRITICAL', 'database unreachable at 10.0.0.5:5432'), line('2026-11-03T10:01:00.000Z', 'INFO', 'health: database is HEALTHY', { service: 'database' })].join('\n')}\n`,
  );
  return { home, file };
}

describe('log reading', () => {
  it('reads rotated (gzip and plain) and current files oldest first, filtered by level, time and text', async () => {
    const { file } = logDir();
    const errors = await readLogs(file, { minLevel: 'ERROR' });
    expect(errors.map((e) => e.level)).toEqual(['ERROR', 'ERROR', 'ERROR', 'CRITICAL']);
    expect(errors[0]!.msg).toMatch(/after 3 attempts/);
    expect(errors[2]!.raw).toBe('a plain text line with ERROR in it');
    const since = await readLogs(file, { since: new Date('2026-11-02T10:00:30Z') });
    expect(since.map((e) => e.msg)).toEqual(['budget openai_tokens at 81%', 'a plain text line with ERROR in it', 'database unreachable at 10.0.0.5:5432', 'health: database is HEALTHY']);
    expect((await readLogs(file, { grep: 'BUDGET' })).map((e) => e.level)).toEqual(['WARNING']);
    expect((await readLogs(file, {}, { tail: 2 })).map((e) => e.level)).toEqual(['CRITICAL', 'INFO']);
  });

  it('groups errors by message shape: ids, numbers and addresses normalised', async () => {
    expect(messageShape('stage RESEARCH failed for idea 0b7e3c1a-1111-4222-8333-444455556666 after 3 attempts')).toBe('stage RESEARCH failed for idea <uuid> after <n> attempts');
    const { file } = logDir();
    const counter = new PatternCounter();
    await readLogs(file, { minLevel: 'ERROR' }, { onEntry: (e) => counter.add(e) });
    const top = counter.top();
    expect(top[0]).toMatchObject({ shape: 'stage RESEARCH failed for idea <uuid> after <n> attempts', count: 2, level: 'ERROR' });
    expect(top.map((p) => p.shape)).toContain('database unreachable at <addr>');
  });

  it('follows the current file as it grows and after it is rotated', async () => {
    const { file } = logDir();
    const controller = new AbortController();
    const seen: LogEntry[] = [];
    let wake: () => void = () => undefined;
    const following = followLog(file, { minLevel: 'WARNING' }, (e) => {
      seen.push(e);
      wake();
    }, { signal: controller.signal, intervalMs: 20 });
    const next = (count: number) => new Promise<void>((resolve) => {
      wake = () => seen.length >= count && resolve();
      wake();
    });
    appendFileSync(file, `${line('2026-11-03T11:00:00.000Z', 'INFO', 'not shown')}\n${line('2026-11-03T11:00:01.000Z', 'ERROR', 'first new error')}\n`);
    await next(1);
    renameSync(file, `${file}.0`);
    writeFileSync(file, `${line('2026-11-03T11:00:02.000Z', 'WARNING', 'after rotation')}\n`);
    await next(2);
    controller.abort();
    await following;
    expect(seen.map((e) => e.msg)).toEqual(['first new error', 'after rotation']);
  });

  it('following adds no listener per poll (no MaxListenersExceededWarning, however long it runs)', async () => {
    const { file } = logDir();
    const controller = new AbortController();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const seen: string[] = [];
    let wake: () => void = () => undefined;
    const following = followLog(file, {}, (e) => {
      seen.push(e.msg);
      wake();
    }, { signal: controller.signal, intervalMs: 1 });
    // each line is seen by a later poll than the one before: 40 lines are at least 40 polls
    const listeners: number[] = [];
    for (let i = 0; i < 40; i++) {
      const arrived = new Promise<void>((resolve) => (wake = () => seen.length > i && resolve()));
      appendFileSync(file, `${line('2026-11-03T12:00:00.000Z', 'INFO', `poll ${i}`)}\n`);
      await arrived;
      listeners.push(getEventListeners(controller.signal, 'abort').length);
    }
    controller.abort();
    await following;
    await new Promise((resolve) => setImmediate(resolve)); // let a pending process warning be emitted
    process.off('warning', onWarning);
    expect(seen).toHaveLength(40);
    expect(Math.max(...listeners)).toBeLessThanOrEqual(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('studio logs --level ERROR --json and --patterns, without a database', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const { home } = logDir();
    const json = await runCli(['logs', '--level', 'error', '--json'], { env: { STUDIO_HOME: home } });
    expect(json.code).toBe(0);
    expect(parseJson<Array<{ level: string }>>(json).map((e) => e.level)).toEqual(['ERROR', 'ERROR', 'ERROR', 'CRITICAL']);
    const patterns = await runCli(['logs', '--patterns'], { env: { STUDIO_HOME: home } });
    expect(patterns.code).toBe(0);
    expect(patterns.stdout.split('\n')[1]).toMatch(/^\s+2\s+ERROR\s+2026-11-02T10:00:00.000Z\s+stage RESEARCH failed for idea <uuid> after <n> attempts$/);
    const bad = await runCli(['logs', '--since', 'yesterday'], { env: { STUDIO_HOME: home } });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('studio: logs: --since "yesterday" is not a duration (like 30m, 1h, 7d)');
  });
});
