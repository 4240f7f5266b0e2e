/**
 * The rules between settings: values that are each valid but together cannot work are refused at
 * start-up, each with the values and what would go wrong, not found out later.
 */
import { ConfigError } from './errors.js';
import type { SettingKey, SettingValues } from './config-settings.js';

/** Throws ConfigError naming the first rule the values break, in the order below. */
export function checkAcrossSettings(parsed: SettingValues, values: Record<string, string | undefined>): void {
  const n = <K extends SettingKey>(key: K) => parsed[key];
  const rule = (ok: boolean, message: string) => {
    if (!ok) throw new ConfigError(`config: ${message}`);
  };
  const v = (key: SettingKey) => `${key}=${values[key] ?? ''}`;
  const categories = [n('BUDGET_OPENAI_TOKENS'), n('BUDGET_GOOGLE_ADS'), n('BUDGET_INFRASTRUCTURE'), n('BUDGET_EXTERNAL_APIS')];
  const sum = categories.reduce((a, b) => a + b, 0);
  const totalCents = n('BUDGET_TOTAL');
  rule(
    sum <= totalCents,
    `the budget categories add up to more than BUDGET_TOTAL (${(sum / 100).toFixed(2)} > ${(totalCents / 100).toFixed(2)}); lower a category or raise the total`,
  );
  rule(
    n('BUDGET_WARNING_PCT') < n('BUDGET_CRITICAL_PCT') && n('BUDGET_CRITICAL_PCT') <= n('BUDGET_EMERGENCY_PCT'),
    'BUDGET_WARNING_PCT < BUDGET_CRITICAL_PCT <= BUDGET_EMERGENCY_PCT must hold',
  );
  rule(
    n('SMOKE_TEST_BUDGET') <= n('BUDGET_GOOGLE_ADS'),
    `${v('SMOKE_TEST_BUDGET')} is above the google_ads cap ${v('BUDGET_GOOGLE_ADS')}; no campaign could ever be reserved (ideas would wait forever). Lower SMOKE_TEST_BUDGET or raise BUDGET_GOOGLE_ADS`,
  );
  rule(
    n('SCHEDULER_NODE_TIMEOUT') >= 2 * n('SCHEDULER_HEARTBEAT'),
    `${v('SCHEDULER_NODE_TIMEOUT')} must be at least twice ${v('SCHEDULER_HEARTBEAT')}, or live schedulers are declared dead between two heartbeats`,
  );
  rule(
    n('STAGE_LEASE') < n('STUCK_AFTER'),
    `${v('STAGE_LEASE')} must be shorter than ${v('STUCK_AFTER')}, or an idea is stuck before its lease could lapse`,
  );
  rule(
    n('SCHEDULER_RETRY_BASE') <= n('SCHEDULER_RETRY_MAX'),
    `${v('SCHEDULER_RETRY_BASE')} must not be longer than its cap ${v('SCHEDULER_RETRY_MAX')}`,
  );
  rule(
    n('MAINTENANCE_LOCK_TIMEOUT') < n('MAINTENANCE_REINDEX_BUDGET'),
    `${v('MAINTENANCE_LOCK_TIMEOUT')} must be shorter than ${v('MAINTENANCE_REINDEX_BUDGET')}, or one lock wait spends the whole reindex budget`,
  );
  rule(
    n('INTAKE_PER_HOUR') <= n('INTAKE_PER_DAY'),
    `${v('INTAKE_PER_HOUR')} must not be above ${v('INTAKE_PER_DAY')}`,
  );
  if (parsed.GOOGLE_ADS_DEVELOPER_TOKEN) {
    // a half-configured account fails here, not at the first campaign
    const needed: SettingKey[] = ['GOOGLE_ADS_CLIENT_ID', 'GOOGLE_ADS_CLIENT_SECRET', 'GOOGLE_ADS_REFRESH_TOKEN', 'GOOGLE_ADS_CUSTOMER_ID', 'GOOGLE_ADS_LANDING_BASE_URL'];
    const missing = needed.filter((key) => parsed[key] === undefined);
    rule(
      missing.length === 0,
      `GOOGLE_ADS_DEVELOPER_TOKEN is set but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not; set ${missing.length === 1 ? 'it' : 'them'}, or unset the token to use the simulated ads account`,
    );
  }
}
