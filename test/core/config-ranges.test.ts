/** Issue 14, item 4: configuration that cannot work is refused at start-up with one line. */
import { describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS } from '../../src/core/config.js';
import { cronIssue } from '../../src/core/config-values.js';
import { ConfigError } from '../../src/core/errors.js';
import { CLI_TEST_TIMEOUT, runCli } from '../helpers/cli.js';

const load = (env: Record<string, string>) => loadConfig({ env: { STUDIO_HOME: '/tmp/studio-config-ranges', ...env }, dotenv: false });
const refusal = (env: Record<string, string>): string => {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
};

describe('configuration ranges and rules', () => {
  it('refuses each value from the issue with the variable, the value and what is accepted', () => {
    expect(refusal({ SCHEDULER_HEARTBEAT: '0' })).toBe('config: SCHEDULER_HEARTBEAT must be a duration from 100ms to 5m with its unit (ms, s, m, h, d) (got "0")');
    expect(refusal({ SCHEDULER_HEARTBEAT: '0s' })).toMatch(/SCHEDULER_HEARTBEAT must be a duration from 100ms to 5m/);
    expect(refusal({ SCHEDULER_HEARTBEAT: '30d' })).toMatch(/SCHEDULER_HEARTBEAT must be a duration from 100ms to 5m .*\(got "30d"\)/);
    expect(refusal({ STAGE_LEASE: '0' })).toMatch(/STAGE_LEASE must be a duration from 1500ms to 24h/);
    expect(refusal({ STUCK_AFTER: '6' })).toBe('config: STUCK_AFTER must be a duration from 1m to 30d with its unit (ms, s, m, h, d) (got "6")');
    expect(refusal({ SMOKE_TEST_BUDGET: '50.00' })).toBe(
      'config: SMOKE_TEST_BUDGET=50.00 is above the google_ads cap BUDGET_GOOGLE_ADS=45.00; no campaign could ever be reserved (ideas would wait forever). Lower SMOKE_TEST_BUDGET or raise BUDGET_GOOGLE_ADS',
    );
    expect(refusal({ BACKUP_SCHEDULE: '0 0 31 2 *' })).toBe('config: BACKUP_SCHEDULE must be a cron pattern (minute hour day month weekday, UTC) that runs within a year (got "0 0 31 2 *")');
    expect(refusal({ BACKUP_SCHEDULE: 'every day' })).toMatch(/BACKUP_SCHEDULE must be a cron pattern/);
    expect(refusal({ DATABASE_URL: 'mysql://x@y/z' })).toBe('config: DATABASE_URL must be a postgres:// or postgresql:// URL (got a mysql: URL)');
    expect(refusal({ DATABASE_URL: 'mysql://admin:hunter2@y/z' })).not.toContain('hunter2');
    expect(refusal({ RETENTION_DAYS: '0' })).toBe('config: RETENTION_DAYS must be a whole number of days from 1 to 3650 (got "0")');
    expect(refusal({ SCHEDULER_NODE_TIMEOUT: '5s', SCHEDULER_HEARTBEAT: '5s' })).toMatch(/SCHEDULER_NODE_TIMEOUT=5s must be at least twice SCHEDULER_HEARTBEAT=5s/);
    expect(refusal({ STAGE_LEASE: '7h' })).toMatch(/STAGE_LEASE=7h must be shorter than STUCK_AFTER=6h/);
    expect(refusal({ MAINTENANCE_WINDOW_MAX: '100000d' })).toMatch(/MAINTENANCE_WINDOW_MAX must be a duration from 1m to 30d/);
  });

  it('accepts the defaults and the documented forms', () => {
    const config = load({ DATABASE_URL: 'postgresql://u@h/db', SCHEDULER_HEARTBEAT: '500ms', BACKUP_SCHEDULE: '0 0 1 1 *' });
    expect(config.scheduler.heartbeatMs).toBe(500);
    expect(config.health.maintenanceWindowMaxMs).toBe(7 * 86_400_000);
    expect(config.pipeline.intakePerSubmission).toBe(50);
  });

  it('every default is a value its setting accepts, and the default backup schedule runs', () => {
    const refused = SETTINGS.filter((spec) => spec.default !== undefined && !spec.parse(spec.default).ok).map((spec) => spec.env);
    expect(refused).toEqual([]);
    // the schedule's kind takes its default without croner; croner itself must agree it runs
    const schedule = SETTINGS.find((spec) => spec.env === 'BACKUP_SCHEDULE')!;
    expect(cronIssue(schedule.default!)).toBeUndefined();
    expect(cronIssue('0 0 31 2 *')).toBe('never runs');
  });

  it('the CLI exits 2 with the one line', { timeout: CLI_TEST_TIMEOUT }, async () => {
    const r = await runCli(['config'], { env: { STUDIO_HOME: '/tmp/studio-config-ranges', SCHEDULER_HEARTBEAT: '30d' } });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('studio: config: SCHEDULER_HEARTBEAT must be a duration from 100ms to 5m with its unit (ms, s, m, h, d) (got "30d")');
  });
});
