import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';

const home = () => mkdtempSync(join(tmpdir(), 'studio-config-'));

describe('config', () => {
  it('defaults to embedded mode with every path under STUDIO_HOME and the $62 budget', () => {
    const dir = home();
    const config = loadConfig({ env: { STUDIO_HOME: dir }, dotenv: false });
    expect(config.mode).toBe('embedded');
    expect(config.paths.data).toBe(join(dir, 'data/pglite'));
    expect(config.paths.logFile).toBe(join(dir, 'logs/pipeline.log'));
    expect(config.paths.backups).toBe(join(dir, 'backups'));
    expect(config.budget.totalCents).toBe(6200);
    expect(config.budget.categories).toEqual({ openai_tokens: 1000, google_ads: 4500, infrastructure: 500, external_apis: 200 });
    expect(config.database.connectTimeoutMs).toBe(5000);
  });

  it('switches to server mode with DATABASE_URL', () => {
    const config = loadConfig({ env: { STUDIO_HOME: home(), DATABASE_URL: 'postgres://u:p@db:5432/studio' }, dotenv: false });
    expect(config.mode).toBe('server');
  });

  it('stops on a bad value with one line naming the variable and what it expects', () => {
    const load = () => loadConfig({ env: { STUDIO_HOME: home(), DB_POOL_MAX: 'lots' }, dotenv: false });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('config: DB_POOL_MAX must be a whole number from 1 to 200 (got "lots")');
  });

  it('never echoes a bad secret value', () => {
    try {
      loadConfig({ env: { STUDIO_HOME: home(), DATABASE_URL: 'not a url with hunter2' }, dotenv: false });
      expect.fail('should throw');
    } catch (error) {
      expect((error as Error).message).toBe('config: DATABASE_URL must be a postgres:// or postgresql:// URL');
    }
  });

  it('refuses categories that add up past the total', () => {
    expect(() => loadConfig({ env: { STUDIO_HOME: home(), BUDGET_GOOGLE_ADS: '60.00' }, dotenv: false })).toThrow(/add up to more than BUDGET_TOTAL \(77.00 > 62.00\)/);
  });

  it('reads .env in STUDIO_HOME, the environment winning', () => {
    const dir = home();
    writeFileSync(join(dir, '.env'), 'OPENAI_MODEL=from-file\nFUND_THRESHOLD=0.7\nOPENAI_API_KEY=sk-filekey1234567890\n');
    const config = loadConfig({ env: { STUDIO_HOME: dir, OPENAI_MODEL: 'from-env' } });
    expect(config.openai.model).toBe('from-env');
    expect(config.pipeline.fundThreshold).toBe(0.7);
    const rows = describeConfig(config, { OPENAI_MODEL: 'from-env' });
    expect(rows.find((r) => r.env === 'OPENAI_MODEL')).toMatchObject({ value: 'from-env', source: 'environment' });
    expect(rows.find((r) => r.env === 'FUND_THRESHOLD')).toMatchObject({ value: '0.7', source: '.env' });
    expect(rows.find((r) => r.env === 'OPENAI_API_KEY')).toMatchObject({ value: 'set' });
    expect(JSON.stringify(rows)).not.toContain('filekey');
  });

  it('takes the operator from STUDIO_OPERATOR and the SSH client address', () => {
    const config = loadConfig({ env: { STUDIO_HOME: home(), STUDIO_OPERATOR: 'alice', SSH_CLIENT: '203.0.113.9 52311 22' }, dotenv: false });
    expect(config.operator).toEqual({ user: 'alice', sshClient: '203.0.113.9' });
  });
});
