/**
 * Configuration: the only reader of the environment and of the optional `.env` file in STUDIO_HOME.
 * Every setting is declared once in `SETTINGS` (config-settings.ts) with its default, unit and what it
 * expects; a bad value stops start-up with one line that names the variable. This file reads the values,
 * checks the rules between settings and assembles the typed `Config`. `studio config` prints the table,
 * with secrets shown only as set / not set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './errors.js';
import { registerSecrets } from './redact.js';
import type { BudgetCategory, DatabaseMode } from './types.js';
import { checkAcrossSettings } from './config-rules.js';
import { SETTINGS, type SettingInfo, type SettingKey, type SettingValue, type SettingValues } from './config-settings.js';

export { SETTINGS, type SettingInfo, type SettingKey, type SettingSpec, type SettingValue } from './config-settings.js';

export interface Config {
  home: string;
  mode: DatabaseMode;
  paths: {
    data: string;
    logFile: string;
    logs: string;
    artifacts: string;
    backups: string;
    archives: string;
    reports: string;
  };
  database: {
    url?: string;
    schema: string;
    connectTimeoutMs: number;
    statementTimeoutMs: number;
    poolMax: number;
  };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' };
  budget: {
    totalCents: number;
    categories: Record<BudgetCategory, number>;
    cycle: 'manual' | 'weekly' | 'monthly';
    warningPct: number;
    criticalPct: number;
    emergencyPct: number;
    reservationLeaseMs: number;
    shards: number;
  };
  openai: {
    apiKey?: string;
    baseUrl?: string;
    model: string;
    cheapModel: string;
    embeddingModel: string;
    embeddingDim: number;
    timeoutMs: number;
    maxRetries: number;
    cache: boolean;
    cacheTtlMs: number;
    cacheSize: number;
  };
  /** Circuit breakers of the external services (src/providers/breaker.ts). */
  providers: {
    /** Failed calls in a row that open a breaker; 0 = never. */
    breakerFailures: number;
    /** ms an open breaker refuses calls before one trial. */
    breakerCooldownMs: number;
  };
  googleAds: {
    developerToken?: string;
    clientId?: string;
    clientSecret?: string;
    refreshToken?: string;
    customerId?: string;
    loginCustomerId?: string;
    landingBaseUrl?: string;
  };
  posthog: { projectKey?: string; personalKey?: string; projectId?: string; host: string };
  search: {
    /** Unset: no web search. */
    url?: string;
    apiKey?: string;
    apiKeyHeader: string;
    timeoutMs: number;
    maxPageBytes: number;
    fetchAllow: Array<{ host: string; port?: number }>;
    queryCostCents: number;
  };
  notify: {
    slackWebhookUrl?: string;
    smtpUrl?: string;
    emailTo?: string;
    emailFrom: string;
    pagerdutyRoutingKey?: string;
    pagerdutyEventsUrl: string;
    maxPerHour: number;
    /** Re-notify an unacknowledged P1 / P2 after this many ms, repeatedly; 0 = never. */
    escalateMs: { P1: number; P2: number };
  };
  health: {
    probeTimeoutMs: number;
    httpProbes: Array<{ name: string; url: string }>;
    /** Longest maintenance window, ms. @default 7 days */
    maintenanceWindowMaxMs: number;
  };
  pipeline: {
    workers: number;
    fundThreshold: number;
    stageLeaseMs: number;
    stuckAfterMs: number;
    retentionDays: number;
    retryBaseMs: number;
    maxRetries: number;
    gateExhausted: 'park' | 'reject';
    budgetWaitMs: number;
    intakePerHour: number;
    intakePerDay: number;
    /** Ideas one submission (a create command, a file) may hold. @default 50 */
    intakePerSubmission: number;
    smokeTestBudgetCents: number;
    smokeTestDays: number;
  };
  scheduler: {
    heartbeatMs: number;
    nodeTimeoutMs: number;
    shutdownGraceMs: number;
    deadmanGraceMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
    metricsPort: number;
    metricsHost: string;
    /** A resident scheduler is expected (SCHEDULER_RESIDENT); false for cron-only set-ups. @default true */
    residentExpected: boolean;
    lockTimeoutMs: number;
    reindexBudgetMs: number;
    auditRetentionDays: number;
    /** Test hook: register test.tick. */
    testJobs: boolean;
    testTickWorkMs: number;
  };
  backup: {
    /** Days a backup is kept (BACKUP_RETENTION_DAYS, else RETENTION_DAYS). */
    retentionDays: number;
    /** Newest verified backup older than this raises backup.stale. @default 26 h */
    maxAgeMs: number;
    schedule: string;
    pgDumpPath: string;
    pgRestorePath: string;
    psqlPath: string;
  };
  cli: {
    /** Nice value one-shot read-only commands lower themselves to; 0 = not lowered. @default 10 */
    readNice: number;
  };
  /** Who is at the keyboard, for the audit log: OS user and the SSH client address, when over SSH. */
  operator: { user: string; sshClient?: string };
  /** The raw values as resolved, for `studio config` (secrets included: print through `describeConfig`). */
  values: Record<string, string | undefined>;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Read `<STUDIO_HOME>/.env` for variables not set in the environment. @default true */
  dotenv?: boolean;
}

/** Read, validate and resolve the configuration. Throws ConfigError naming the first bad variable. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = resolve(cwd, nonEmpty(env.STUDIO_HOME) ?? '.');
  let fileValues: Record<string, string> = {};
  const envFile = join(home, '.env');
  if (options.dotenv !== false && existsSync(envFile)) {
    try {
      fileValues = parseEnv(readFileSync(envFile, 'utf8')) as Record<string, string>;
    } catch (error) {
      throw new ConfigError(`config: ${envFile} could not be read; fix or remove it`, { cause: error });
    }
  }

  const values: Record<string, string | undefined> = {};
  // filled from the table below: a setting with a default always gets a value (or start-up stops)
  const parsed = {} as SettingValues;
  for (const spec of SETTINGS) {
    const raw = nonEmpty(env[spec.env]) ?? nonEmpty(fileValues[spec.env]) ?? spec.default;
    values[spec.env] = raw;
    if (raw === undefined) continue;
    const result = spec.parse(raw);
    if (!result.ok) throw new ConfigError(`config: ${spec.env} must be ${spec.expects}${shownValue(spec, raw)}`);
    (parsed as Record<SettingKey, unknown>)[spec.env] = result.value;
  }
  const get = <K extends SettingKey>(key: K): SettingValue<K> => parsed[key];
  const path = (key: 'STUDIO_DATA_DIR' | 'STUDIO_LOG_FILE' | 'STUDIO_ARTIFACTS_DIR' | 'STUDIO_BACKUPS_DIR' | 'STUDIO_ARCHIVES_DIR' | 'STUDIO_REPORTS_DIR') => {
    const value = get(key);
    return isAbsolute(value) ? value : join(home, value);
  };

  const categories: Record<BudgetCategory, number> = {
    openai_tokens: get('BUDGET_OPENAI_TOKENS'),
    google_ads: get('BUDGET_GOOGLE_ADS'),
    infrastructure: get('BUDGET_INFRASTRUCTURE'),
    external_apis: get('BUDGET_EXTERNAL_APIS'),
  };
  const totalCents = get('BUDGET_TOTAL');
  checkAcrossSettings(parsed, values);
  const warningPct = get('BUDGET_WARNING_PCT');
  const criticalPct = get('BUDGET_CRITICAL_PCT');
  const emergencyPct = get('BUDGET_EMERGENCY_PCT');

  const logFile = path('STUDIO_LOG_FILE');
  const config: Config = {
    home,
    mode: parsed.DATABASE_URL ? 'server' : 'embedded',
    paths: {
      data: path('STUDIO_DATA_DIR'),
      logFile,
      logs: resolve(logFile, '..'),
      artifacts: path('STUDIO_ARTIFACTS_DIR'),
      backups: path('STUDIO_BACKUPS_DIR'),
      archives: path('STUDIO_ARCHIVES_DIR'),
      reports: path('STUDIO_REPORTS_DIR'),
    },
    database: {
      url: get('DATABASE_URL'),
      schema: get('DATABASE_SCHEMA'),
      connectTimeoutMs: get('DB_CONNECT_TIMEOUT'),
      statementTimeoutMs: get('DB_STATEMENT_TIMEOUT'),
      poolMax: get('DB_POOL_MAX'),
    },
    log: { level: get('LOG_LEVEL') },
    budget: {
      totalCents,
      categories,
      cycle: get('BUDGET_CYCLE'),
      warningPct,
      criticalPct,
      emergencyPct,
      reservationLeaseMs: get('BUDGET_RESERVATION_LEASE'),
      shards: get('BUDGET_SHARDS'),
    },
    openai: {
      apiKey: get('OPENAI_API_KEY'),
      baseUrl: get('OPENAI_BASE_URL'),
      model: get('OPENAI_MODEL'),
      cheapModel: get('OPENAI_CHEAP_MODEL'),
      embeddingModel: get('OPENAI_EMBEDDING_MODEL'),
      embeddingDim: get('EMBEDDING_DIM'),
      timeoutMs: get('OPENAI_TIMEOUT'),
      maxRetries: get('OPENAI_MAX_RETRIES'),
      cache: get('EMBEDDING_CACHE'),
      cacheTtlMs: get('EMBEDDING_CACHE_TTL'),
      cacheSize: get('EMBEDDING_CACHE_SIZE'),
    },
    providers: { breakerFailures: get('PROVIDER_BREAKER_FAILURES'), breakerCooldownMs: get('PROVIDER_BREAKER_COOLDOWN') },
    googleAds: {
      developerToken: get('GOOGLE_ADS_DEVELOPER_TOKEN'),
      clientId: get('GOOGLE_ADS_CLIENT_ID'),
      clientSecret: get('GOOGLE_ADS_CLIENT_SECRET'),
      refreshToken: get('GOOGLE_ADS_REFRESH_TOKEN'),
      customerId: get('GOOGLE_ADS_CUSTOMER_ID'),
      loginCustomerId: get('GOOGLE_ADS_LOGIN_CUSTOMER_ID'),
      landingBaseUrl: get('GOOGLE_ADS_LANDING_BASE_URL'),
    },
    posthog: {
      projectKey: get('POSTHOG_PROJECT_KEY'),
      personalKey: get('POSTHOG_PERSONAL_KEY'),
      projectId: get('POSTHOG_PROJECT_ID'),
      host: get('POSTHOG_HOST'),
    },
    search: {
      url: get('SEARCH_URL'),
      apiKey: get('SEARCH_API_KEY'),
      apiKeyHeader: get('SEARCH_API_KEY_HEADER'),
      timeoutMs: get('SEARCH_TIMEOUT'),
      maxPageBytes: get('SEARCH_MAX_PAGE_BYTES'),
      fetchAllow: get('SEARCH_FETCH_ALLOW') ?? [],
      queryCostCents: get('SEARCH_QUERY_COST'),
    },
    notify: {
      slackWebhookUrl: get('SLACK_WEBHOOK_URL'),
      smtpUrl: get('SMTP_URL'),
      emailTo: get('ALERT_EMAIL_TO'),
      emailFrom: get('ALERT_EMAIL_FROM'),
      pagerdutyRoutingKey: get('PAGERDUTY_ROUTING_KEY'),
      pagerdutyEventsUrl: get('PAGERDUTY_EVENTS_URL'),
      maxPerHour: get('NOTIFY_MAX_PER_HOUR'),
      escalateMs: { P1: get('INCIDENT_ESCALATE_P1'), P2: get('INCIDENT_ESCALATE_P2') },
    },
    health: {
      probeTimeoutMs: get('HEALTH_PROBE_TIMEOUT'),
      httpProbes: get('HEALTH_HTTP_PROBES') ?? [],
      maintenanceWindowMaxMs: get('MAINTENANCE_WINDOW_MAX'),
    },
    pipeline: {
      workers: get('PIPELINE_WORKERS'),
      fundThreshold: get('FUND_THRESHOLD'),
      stageLeaseMs: get('STAGE_LEASE'),
      stuckAfterMs: get('STUCK_AFTER'),
      retentionDays: get('RETENTION_DAYS'),
      retryBaseMs: get('STAGE_RETRY_BASE'),
      maxRetries: get('STAGE_MAX_RETRIES'),
      gateExhausted: get('GATE_EXHAUSTED'),
      budgetWaitMs: get('BUDGET_WAIT_RETRY'),
      intakePerHour: get('INTAKE_PER_HOUR'),
      intakePerDay: get('INTAKE_PER_DAY'),
      intakePerSubmission: get('INTAKE_PER_SUBMISSION'),
      smokeTestBudgetCents: get('SMOKE_TEST_BUDGET'),
      smokeTestDays: get('SMOKE_TEST_DAYS'),
    },
    scheduler: {
      heartbeatMs: get('SCHEDULER_HEARTBEAT'),
      nodeTimeoutMs: get('SCHEDULER_NODE_TIMEOUT'),
      shutdownGraceMs: get('SCHEDULER_SHUTDOWN_GRACE'),
      deadmanGraceMs: get('SCHEDULER_DEADMAN_GRACE'),
      retryBaseMs: get('SCHEDULER_RETRY_BASE'),
      retryMaxMs: get('SCHEDULER_RETRY_MAX'),
      metricsPort: get('SCHEDULER_METRICS_PORT'),
      metricsHost: get('SCHEDULER_METRICS_HOST'),
      residentExpected: get('SCHEDULER_RESIDENT'),
      lockTimeoutMs: get('MAINTENANCE_LOCK_TIMEOUT'),
      reindexBudgetMs: get('MAINTENANCE_REINDEX_BUDGET'),
      auditRetentionDays: get('AUDIT_RETENTION_DAYS'),
      testJobs: get('STUDIO_TEST_JOBS'),
      testTickWorkMs: get('STUDIO_TEST_TICK_WORK'),
    },
    backup: {
      retentionDays: get('BACKUP_RETENTION_DAYS') ?? get('RETENTION_DAYS'),
      maxAgeMs: get('BACKUP_MAX_AGE'),
      schedule: get('BACKUP_SCHEDULE'),
      pgDumpPath: get('PG_DUMP_PATH'),
      pgRestorePath: get('PG_RESTORE_PATH'),
      psqlPath: get('PSQL_PATH'),
    },
    cli: { readNice: get('CLI_READ_NICE') },
    operator: {
      user: nonEmpty(env.STUDIO_OPERATOR) ?? safeUsername() ?? nonEmpty(env.USER) ?? 'unknown',
      sshClient: nonEmpty(env.SSH_CLIENT)?.split(' ')[0],
    },
    values,
  };
  registerSecrets(SETTINGS.filter((spec) => spec.secret).map((spec) => values[spec.env]));
  return config;
}

export interface ConfigRow {
  env: string;
  group: string;
  value: string;
  source: 'environment' | '.env' | 'default' | 'unset';
  describe: string;
}

/** The effective configuration as rows, secrets shown as `set` / `not set`. */
export function describeConfig(config: Config, env: NodeJS.ProcessEnv = process.env): ConfigRow[] {
  return SETTINGS.map((spec) => {
    const value = config.values[spec.env];
    const source: ConfigRow['source'] =
      value === undefined ? 'unset' : nonEmpty(env[spec.env]) !== undefined ? 'environment' : value === spec.default ? 'default' : '.env';
    const shown = spec.secret ? (value === undefined ? 'not set' : 'set') : (value ?? '');
    return { env: spec.env, group: spec.group, value: shown, source, describe: spec.describe };
  });
}

/** ` (got "value")` for the error line; a secret's value is never shown (a URL's scheme at most). */
function shownValue(spec: SettingInfo, raw: string): string {
  if (spec.secret) {
    const scheme = /^([a-z][a-z0-9+.-]{0,20}):/i.exec(raw)?.[1];
    return scheme ? ` (got a ${scheme.toLowerCase()}: URL)` : '';
  }
  return ` (got "${raw.length > 60 ? `${raw.slice(0, 60)}…` : raw}")`;
}

function safeUsername(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
