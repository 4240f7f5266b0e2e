import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { registerSecrets } from '../../src/core/redact.js';

describe('logger', () => {
  it('writes JSON lines with upper-case levels the manual greps for, and redacts secrets', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'studio-log-')), 'logs/pipeline.log');
    registerSecrets(['verbatim-secret-value']);
    const { logger, flush } = createLogger({ file, level: 'info' });
    logger.info({ apiKey: 'sk-live-abcdefghijkl', nested: { password: 'pw' } }, 'connected to postgres://app:hunter2@db:5432/x');
    logger.warn('slow call');
    logger.error({ err: new Error('bad key sk-proj-1234567890abcdef') }, 'call failed with verbatim-secret-value');
    logger.fatal('down');
    logger.debug('not written at info');
    flush();
    const text = readFileSync(file, 'utf8');
    const lines = text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => l.level)).toEqual(['INFO', 'WARNING', 'ERROR', 'CRITICAL']);
    expect(text).not.toMatch(/hunter2|sk-live|sk-proj|verbatim-secret-value|"pw"/);
    expect(lines[0]!.apiKey).toBe('[REDACTED]');
    expect(lines[0]!.msg).toBe('connected to postgres://app:[REDACTED]@db:5432/x');
    expect(text.split('\n').filter((l) => /(ERROR|CRITICAL|WARNING)/.test(l))).toHaveLength(3);
  });

  it('opens the file at start, builds pino on the first line, and is that logger from then on', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'studio-log-')), 'logs/pipeline.log');
    const { logger, flush } = createLogger({ file, level: 'info' });
    // created (and a file this user may not write refused) before anything is logged
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(logger.level).toBe('info');
    expect(logger.isLevelEnabled('debug')).toBe(false);
    expect(logger.info).toBe(logger.info);
    logger.debug('below the level');
    logger.info('now written');
    logger.child({ job: 'j' }).warn('from a child');
    flush();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => [l.level, l.msg, l.job])).toEqual([['INFO', 'now written', undefined], ['WARNING', 'from a child', 'j']]);
  });
});
