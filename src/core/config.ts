/**
 * Configuration: the only reader of the environment and of the optional `.env` file in STUDIO_HOME.
 * Every setting is declared once in `SETTINGS` with its default, unit and what it expects; a bad value
 * stops start-up with one line that names the variable. `studio config` prints this table, with secrets
 * shown only as set / not set.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { Cron } from 'croner';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { parseDollars } from './money.js';
import { parseDuration } from './clock.js';
import { registerSecrets } from './redact.js';
import type { BudgetCategory, DatabaseMode } from './types.js';

export interface SettingSpec {
  env: string;
  group: string;
  describe: string;
  /** Default as the text a user would write; undefined = unset. */
  default?: string;
  /** Shown as set / not set, never printed. */
  secret?: boolean;
  /** What a valid value looks like, for the error line. */
  expects: string;
  schema: z.ZodType<unknown>;
}

const text = z.string().min(1);
const url = z.string().url();
/** 123-456-7890 or 1234567890, kept as digits. */
const adsCustomerId = z.string().regex(/^\d{3}-?\d{3}-?\d{4}$/).transform((v) => v.replace(/-/g, ''));
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const dollars = z.string().transform((v, ctx) => {
  try {
    const cents = parseDollars(v);
    if (cents < 0) throw new RangeError('negative');
    return cents;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not an amount' });
    return z.NEVER;
  }
});
/** A duration with its unit (500ms, 2s, 5m, 1h, 7d) between `min` and `max` (written the same way). */
const durationIn = (min: string, max: string) =>
  z.string().transform((v, ctx) => {
    // a bare number is refused: STUCK_AFTER=6 meant 6 hours, not 6 ms
    if (!/^\s*\d+(?:\.\d+)?\s*(ms|s|m|h|d|w)\s*$/i.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'not a duration with a unit' });
      return z.NEVER;
    }
    const ms = parseDuration(v);
    if (ms < parseDuration(min) || ms > parseDuration(max)) {
      ctx.addIssue({ code: 'custom', message: 'out of range' });
      return z.NEVER;
    }
    return ms;
  });
/** The error line's "what is accepted" for a duration setting. */
const between = (min: string, max: string) => `a duration from ${min} to ${max} with its unit (ms, s, m, h, d)`;
/** A duration between `min` and `max`, or `0` for "never" (a feature switched off). */
const durationOrNever = (min: string, max: string) => z.union([z.literal('0').transform(() => 0), durationIn(min, max)]);
/** A duration setting: its schema and its description, from one range. */
function d(env: string, group: string, describe: string, min: string, max: string, def?: string): SettingSpec {
  return s(env, group, describe, durationIn(min, max), between(min, max), def);
}

/** A cron pattern (UTC) that runs at least once in the next year: '0 0 31 2 *' never would. */
const cronPattern = z.string().transform((v, ctx) => {
  let next: Date | null;
  try {
    next = new Cron(v, { paused: true, timezone: 'UTC' }).nextRun();
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a cron pattern' });
    return z.NEVER;
  }
  if (!next || next.getTime() - Date.now() > 366 * 86_400_000) {
    ctx.addIssue({ code: 'custom', message: 'never runs' });
    return z.NEVER;
  }
  return v;
});

/** A PostgreSQL URL: postgres:// or postgresql:// (a mysql:// URL would be tried on port 5432). */
const postgresUrl = z.string().url().refine((v) => /^postgres(ql)?:\/\//i.test(v), 'not a postgres URL');
const percent = z.coerce.number().min(1).max(1000);
const httpProbes = z.string().transform((v, ctx) => {
  const out: Array<{ name: string; url: string }> = [];
  for (const item of v.split(',').map((x) => x.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9_.-]{0,40})=(https?:\/\/\S+)$/i.exec(item);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: 'not name=url' });
      return z.NEVER;
    }
    out.push({ name: match[1]!, url: match[2]! });
  }
  return out;
});

/** A byte count: 1048576, 512kb, 1mb. */
const bytes = z.string().transform((v, ctx) => {
  const match = /^(\d+)\s*(b|kb|k|mb|m)?$/i.exec(v.trim());
  const unit = { b: 1, k: 1024, kb: 1024, m: 1024 * 1024, mb: 1024 * 1024 }[(match?.[2] ?? 'b').toLowerCase() as 'b'];
  const n = match ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(n) || n < 1024) {
    ctx.addIssue({ code: 'custom', message: 'not a size' });
    return z.NEVER;
  }
  return n;
});
/** host, host:port, an IPv4 address (with :port) or an IPv6 one ([::1]:8080), comma separated. */
const hostList = z.string().transform((v, ctx) => {
  const out: Array<{ host: string; port?: number }> = [];
  for (const item of v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean)) {
    const match = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(item) ?? /^([0-9a-f]*:[0-9a-f:.]*:[0-9a-f:.]*)()$/.exec(item) ?? /^([a-z0-9][a-z0-9.-]*)(?::(\d{1,5}))?$/.exec(item);
    const port = match?.[2] ? Number(match[2]) : undefined;
    if (!match || (port !== undefined && (port < 1 || port > 65535))) {
      ctx.addIssue({ code: 'custom', message: 'not host[:port]' });
      return z.NEVER;
    }
    out.push(port === undefined ? { host: match[1]! } : { host: match[1]!, port });
  }
  return out;
});

function s(env: string, group: string, describe: string, schema: z.ZodType<unknown>, expects: string, def?: string, secret = false): SettingSpec {
  return { env, group, describe, schema, expects, default: def, secret };
}

/** Every setting studio reads, in the order `studio config` shows them. */
export const SETTINGS: SettingSpec[] = [
  s('STUDIO_HOME', 'paths', 'Directory holding every run-time path below (data, logs, artifacts, ...)', text, 'a directory path', '.'),
  s('STUDIO_DATA_DIR', 'paths', 'Embedded database directory (PGlite)', text, 'a directory path', 'data/pglite'),
  s('STUDIO_LOG_FILE', 'paths', 'JSON-lines log file', text, 'a file path', 'logs/pipeline.log'),
  s('STUDIO_ARTIFACTS_DIR', 'paths', 'Decks and landing pages, one folder per idea', text, 'a directory path', 'artifacts'),
  s('STUDIO_BACKUPS_DIR', 'paths', 'Database backups and their manifests', text, 'a directory path', 'backups'),
  s('STUDIO_ARCHIVES_DIR', 'paths', 'Archived budget cycles and data', text, 'a directory path', 'archives'),
  s('STUDIO_REPORTS_DIR', 'paths', 'Daily budget reviews and performance reports', text, 'a directory path', 'reports'),

  s('DATABASE_URL', 'database', 'PostgreSQL server (with pgvector); unset = embedded PGlite', postgresUrl, 'a postgres:// or postgresql:// URL', undefined, true),
  s('DATABASE_SCHEMA', 'database', 'Schema studio keeps its tables in (server mode); first on the search path', z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/), 'a lower-case SQL identifier', 'public'),
  d('DB_CONNECT_TIMEOUT', 'database', 'Give up connecting after this long', '100ms', '5m', '5s'),
  d('DB_STATEMENT_TIMEOUT', 'database', 'Cancel a statement running longer than this (server mode)', '100ms', '24h', '30s'),
  s('DB_POOL_MAX', 'database', 'Connections per process (server mode)', int(1, 200), 'a whole number from 1 to 200', '10'),

  s('LOG_LEVEL', 'logging', 'Lowest level written to the log file', z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']), 'one of trace, debug, info, warn, error, fatal', 'info'),

  s('BUDGET_TOTAL', 'budget', 'Cycle budget in dollars (hard cap)', dollars, 'an amount in dollars like 62.00', '62.00'),
  s('BUDGET_OPENAI_TOKENS', 'budget', 'Cap for OpenAI tokens', dollars, 'an amount in dollars', '10.00'),
  s('BUDGET_GOOGLE_ADS', 'budget', 'Cap for Google Ads spend', dollars, 'an amount in dollars', '45.00'),
  s('BUDGET_INFRASTRUCTURE', 'budget', 'Cap for infrastructure', dollars, 'an amount in dollars', '5.00'),
  s('BUDGET_EXTERNAL_APIS', 'budget', 'Cap for other external APIs', dollars, 'an amount in dollars', '2.00'),
  s('BUDGET_CYCLE', 'budget', 'Cycle roll-over: manual (budget reset), weekly or monthly', z.enum(['manual', 'weekly', 'monthly']), 'one of manual, weekly, monthly', 'manual'),
  s('BUDGET_WARNING_PCT', 'budget', 'Usage that raises WARNING', percent, 'a percentage', '80'),
  s('BUDGET_CRITICAL_PCT', 'budget', 'Usage that raises CRITICAL (throttling)', percent, 'a percentage', '95'),
  s('BUDGET_EMERGENCY_PCT', 'budget', 'Usage that raises EMERGENCY (shutdown)', percent, 'a percentage', '100'),
  s('BUDGET_SHARDS', 'budget', 'Bucket rows per category, so concurrent reservations do not queue on one row (new cycles)', int(1, 64), 'a whole number from 1 to 64', '8'),
  d('BUDGET_RESERVATION_LEASE', 'budget', 'A reservation whose holder is silent this long is released', '100ms', '24h', '10m'),

  s('OPENAI_API_KEY', 'openai', 'OpenAI key; unset = offline provider', text, 'an API key', undefined, true),
  s('OPENAI_BASE_URL', 'openai', 'OpenAI-compatible endpoint', url, 'an http(s) URL'),
  s('OPENAI_MODEL', 'openai', 'Chat model', text, 'a model name', 'gpt-4o-mini'),
  s('OPENAI_CHEAP_MODEL', 'openai', 'Model for non-critical work at budget CRITICAL', text, 'a model name', 'gpt-4o-mini'),
  s('OPENAI_EMBEDDING_MODEL', 'openai', 'Embedding model', text, 'a model name', 'text-embedding-3-small'),
  s('EMBEDDING_DIM', 'openai', 'Embedding dimensions (the vector columns are sized to match at first migration)', int(8, 4096), 'a whole number from 8 to 4096', '1536'),
  d('OPENAI_TIMEOUT', 'openai', 'Per-request timeout', '1s', '10m', '60s'),
  s('OPENAI_MAX_RETRIES', 'openai', 'SDK retries (honours Retry-After)', int(0, 10), 'a whole number from 0 to 10', '2'),
  s('EMBEDDING_CACHE', 'openai', 'Cache identical LLM and embedding requests', bool, 'true or false', 'true'),
  d('EMBEDDING_CACHE_TTL', 'openai', 'Cache entry lifetime', '1s', '30d', '86400s'),
  s('EMBEDDING_CACHE_SIZE', 'openai', 'Cache entries kept in memory', int(0), 'a whole number', '1000'),

  s('PROVIDER_BREAKER_FAILURES', 'providers', 'Failed calls in a row that open a service\'s circuit breaker (0 = never)', int(0, 1000), 'a whole number', '5'),
  d('PROVIDER_BREAKER_COOLDOWN', 'providers', 'How long an open breaker refuses calls before one trial call', '100ms', '1h', '30s'),

  s('GOOGLE_ADS_DEVELOPER_TOKEN', 'google_ads', 'Google Ads developer token; unset = simulated ads account', text, 'a token', undefined, true),
  s('GOOGLE_ADS_CLIENT_ID', 'google_ads', 'OAuth client id', text, 'a client id'),
  s('GOOGLE_ADS_CLIENT_SECRET', 'google_ads', 'OAuth client secret', text, 'a secret', undefined, true),
  s('GOOGLE_ADS_REFRESH_TOKEN', 'google_ads', 'OAuth refresh token', text, 'a token', undefined, true),
  s('GOOGLE_ADS_CUSTOMER_ID', 'google_ads', 'Customer (advertiser account) id', adsCustomerId, 'ten digits (dashes allowed)'),
  s('GOOGLE_ADS_LOGIN_CUSTOMER_ID', 'google_ads', 'Manager account id, if access goes through one', adsCustomerId, 'ten digits (dashes allowed)'),
  s('GOOGLE_ADS_LANDING_BASE_URL', 'google_ads', 'Public URL where STUDIO_ARTIFACTS_DIR is served (ads link to <url>/<idea>/landing.html)', url, 'an http(s) URL'),

  s('POSTHOG_PROJECT_KEY', 'posthog', 'PostHog project key; unset = offline analytics', text, 'a project key', undefined, true),
  s('POSTHOG_PERSONAL_KEY', 'posthog', 'PostHog personal key for the query API (signup counts)', text, 'a key', undefined, true),
  s('POSTHOG_PROJECT_ID', 'posthog', 'PostHog project id for the query API', text, 'a project id'),
  s('POSTHOG_HOST', 'posthog', 'PostHog host', url, 'an http(s) URL', 'https://us.i.posthog.com'),

  s('SEARCH_URL', 'search', 'Web evidence search API (GET ?q=&count=, JSON results); unset = no web search', url, 'an http(s) URL'),
  s('SEARCH_API_KEY', 'search', 'Key for the search API', text, 'an API key', undefined, true),
  s('SEARCH_API_KEY_HEADER', 'search', 'Header carrying the key: Authorization sends "Bearer <key>", any other header the bare key (X-Subscription-Token for Brave)', z.string().regex(/^[A-Za-z0-9-]{1,64}$/), 'a header name', 'Authorization'),
  d('SEARCH_TIMEOUT', 'search', 'Timeout of one search call, and of one page fetch (redirects included)', '100ms', '5m', '10s'),
  s('SEARCH_MAX_PAGE_BYTES', 'search', 'A fetched page larger than this is abandoned (the snippet is used)', bytes, 'a size like 1mb or 524288', '1mb'),
  s('SEARCH_FETCH_ALLOW', 'search', 'Hosts or addresses pages may be fetched from although private, host[:port] comma separated (a port here also allows that port)', hostList, 'host[:port], comma separated'),
  s('SEARCH_QUERY_COST', 'search', 'Charged to external_apis per search query', dollars, 'an amount in dollars like 0.01', '0.01'),

  s('SLACK_WEBHOOK_URL', 'notify', 'Slack incoming webhook for incidents', url, 'an https URL', undefined, true),
  s('SMTP_URL', 'notify', 'SMTP server for incident e-mail (smtp://user:pass@host:port)', url, 'an smtp:// URL', undefined, true),
  s('ALERT_EMAIL_TO', 'notify', 'Who receives incident e-mail (comma separated)', text, 'e-mail addresses'),
  s('ALERT_EMAIL_FROM', 'notify', 'Sender of incident e-mail', text, 'an e-mail address', 'studio@localhost'),
  s('PAGERDUTY_ROUTING_KEY', 'notify', 'PagerDuty Events API v2 routing key', text, 'a routing key', undefined, true),
  s('PAGERDUTY_EVENTS_URL', 'notify', 'PagerDuty Events API endpoint', url, 'an https URL', 'https://events.pagerduty.com/v2/enqueue'),
  s('NOTIFY_MAX_PER_HOUR', 'notify', 'Messages per channel per hour before P2-P4 alerts are dropped (P1 always goes out)', int(1, 10_000), 'a whole number', '30'),
  s('INCIDENT_ESCALATE_P1', 'notify', 'An open P1 nobody acknowledged is paged again (PagerDuty, Slack, e-mail) after this long, and again each time it passes (0 = never; the manual\'s P1 response time)', durationOrNever('1m', '7d'), `0 (never) or ${between('1m', '7d')}`, '15m'),
  s('INCIDENT_ESCALATE_P2', 'notify', 'An open P2 nobody acknowledged is notified again (Slack, e-mail) after this long, and again each time it passes (0 = never; the manual\'s P2 response time)', durationOrNever('1m', '7d'), `0 (never) or ${between('1m', '7d')}`, '1h'),

  d('HEALTH_PROBE_TIMEOUT', 'health', 'A health probe that has not answered after this long is CRITICAL', '100ms', '1m', '5s'),
  s('HEALTH_HTTP_PROBES', 'health', 'Extra endpoints to check, name=url comma separated (2xx is healthy)', httpProbes, 'name=http(s)://url, comma separated'),

  s('PIPELINE_WORKERS', 'pipeline', 'Concurrent stage workers per process', int(1, 64), 'a whole number from 1 to 64', '2'),
  s('FUND_THRESHOLD', 'pipeline', 'Investor score needed to pass INVESTORS (0..1)', z.coerce.number().min(0).max(1), 'a number from 0 to 1', '0.8'),
  d('STAGE_LEASE', 'pipeline', 'How long a worker holds an idea before another may reclaim it', '1500ms', '24h', '5m'),
  d('STUCK_AFTER', 'pipeline', 'An idea held in one stage longer than this is stuck', '1m', '30d', '6h'),
  s('RETENTION_DAYS', 'pipeline', 'Rotated logs, terminal ideas and backups are kept this many days', int(1, 3650), 'a whole number of days from 1 to 3650', '30'),

  d('SCHEDULER_HEARTBEAT', 'scheduler', 'How often a scheduler refreshes its heartbeat, picks up retries and checks for dead nodes', '100ms', '5m', '5s'),
  d('SCHEDULER_NODE_TIMEOUT', 'scheduler', 'A scheduler silent this long is dead; its running jobs are failed or retried', '1s', '1h', '30s'),
  d('SCHEDULER_SHUTDOWN_GRACE', 'scheduler', 'On SIGTERM, wait this long for running jobs before aborting them', '0ms', '1h', '30s'),
  d('SCHEDULER_DEADMAN_GRACE', 'scheduler', 'A slot with no run this long after its time raises a job.deadman event', '1s', '24h', '2m'),
  d('SCHEDULER_RETRY_BASE', 'scheduler', 'First retry delay of a failed job (doubling each attempt)', '10ms', '1h', '10s'),
  d('SCHEDULER_RETRY_MAX', 'scheduler', 'Cap on the retry delay', '100ms', '24h', '10m'),
  s('SCHEDULER_METRICS_PORT', 'scheduler', 'Port of /metrics and /healthz for studio scheduler (0 = any free port)', int(0, 65535), 'a port number', '9464'),
  s('SCHEDULER_RESIDENT', 'scheduler', 'Whether a resident scheduler (studio scheduler or the console) is expected to run; false for cron-only set-ups, where health asks for no heartbeat', bool, 'true or false', 'true'),
  s('SCHEDULER_METRICS_HOST', 'scheduler', 'Address /metrics listens on (0.0.0.0 to let Prometheus on another host scrape)', text, 'an address', '127.0.0.1'),
  d('MAINTENANCE_LOCK_TIMEOUT', 'scheduler', 'lock_timeout for each REINDEX CONCURRENTLY', '100ms', '10m', '5s'),
  d('MAINTENANCE_REINDEX_BUDGET', 'scheduler', 'Stop reindexing after this long; the rest waits for the next run', '1s', '24h', '30m'),
  s('AUDIT_RETENTION_DAYS', 'scheduler', 'Audit rows and job history older than this are purged', int(1, 36500), 'a whole number of days from 1 to 36500', '365'),
  s('STUDIO_TEST_JOBS', 'scheduler', 'TEST HOOK ONLY: adds test.tick (every second, records a row); never set in production', bool, 'true or false', 'false'),
  d('STUDIO_TEST_TICK_WORK', 'scheduler', 'TEST HOOK ONLY: how long each test.tick run works', '0ms', '1m', '0ms'),
  s('BACKUP_RETENTION_DAYS', 'backup', 'Backups are kept this many days (unset = RETENTION_DAYS); the newest verified one is always kept', int(1, 3650), 'a whole number of days from 1 to 3650'),
  d('BACKUP_MAX_AGE', 'backup', 'An incident is raised when the newest verified backup is older than this', '1h', '30d', '26h'),
  s('BACKUP_SCHEDULE', 'backup', 'When the daily backup + restore drill + prune runs (cron, UTC)', cronPattern, 'a cron pattern (minute hour day month weekday, UTC) that runs within a year', '0 3 * * *'),
  s('PG_DUMP_PATH', 'backup', 'pg_dump binary (server mode); its major version must not be older than the server', text, 'a command or path', 'pg_dump'),
  s('PG_RESTORE_PATH', 'backup', 'pg_restore binary (server mode)', text, 'a command or path', 'pg_restore'),
  s('PSQL_PATH', 'backup', 'psql binary (server mode restore runs in one transaction through it)', text, 'a command or path', 'psql'),
  d('STAGE_RETRY_BASE', 'pipeline', 'First retry delay after a failed gate; doubles each retry', '10ms', '1h', '2s'),
  s('STAGE_MAX_RETRIES', 'pipeline', 'Retries of a failed gate before the idea is parked (or rejected)', int(0, 20), 'a whole number from 0 to 20', '3'),
  s('GATE_EXHAUSTED', 'pipeline', 'What happens past the retry limit: park for an operator, or reject', z.enum(['park', 'reject']), 'park or reject', 'park'),
  d('BUDGET_WAIT_RETRY', 'pipeline', 'How often an idea waiting on budget tries again', '100ms', '24h', '30s'),
  s('INTAKE_PER_HOUR', 'pipeline', 'New ideas per submitting operator (STUDIO_OPERATOR or the OS user) per hour', int(1, 100_000), 'a whole number from 1 to 100000', '10'),
  s('INTAKE_PER_DAY', 'pipeline', 'New ideas per submitting operator per day', int(1, 1_000_000), 'a whole number from 1 to 1000000', '50'),
  s('INTAKE_PER_SUBMISSION', 'pipeline', 'Ideas one create command may submit (a larger file is refused whole, before any embedding)', int(1, 10_000), 'a whole number from 1 to 10000', '50'),
  s('SMOKE_TEST_BUDGET', 'pipeline', 'Ads budget of one smoke-test campaign', dollars, 'an amount in dollars like 25.00', '25.00'),
  s('SMOKE_TEST_DAYS', 'pipeline', 'Days a smoke-test campaign runs', int(1, 90), 'a whole number of days from 1 to 90', '7'),
  d('MAINTENANCE_WINDOW_MAX', 'health', 'Longest maintenance window (alert silence) an operator may open', '1m', '30d', '7d'),
];

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
  const parsed: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const raw = nonEmpty(env[spec.env]) ?? nonEmpty(fileValues[spec.env]) ?? spec.default;
    values[spec.env] = raw;
    if (raw === undefined) continue;
    const result = spec.schema.safeParse(raw);
    if (!result.success) throw new ConfigError(`config: ${spec.env} must be ${spec.expects}${shownValue(spec, raw)}`);
    parsed[spec.env] = result.data;
  }
  const get = <T>(key: string) => parsed[key] as T;
  const path = (key: string) => {
    const value = get<string>(key);
    return isAbsolute(value) ? value : join(home, value);
  };

  const categories: Record<BudgetCategory, number> = {
    openai_tokens: get<number>('BUDGET_OPENAI_TOKENS'),
    google_ads: get<number>('BUDGET_GOOGLE_ADS'),
    infrastructure: get<number>('BUDGET_INFRASTRUCTURE'),
    external_apis: get<number>('BUDGET_EXTERNAL_APIS'),
  };
  const totalCents = get<number>('BUDGET_TOTAL');
  const sum = Object.values(categories).reduce((a, b) => a + b, 0);
  if (sum > totalCents) {
    throw new ConfigError(
      `config: the budget categories add up to more than BUDGET_TOTAL (${(sum / 100).toFixed(2)} > ${(totalCents / 100).toFixed(2)}); lower a category or raise the total`,
    );
  }
  const warningPct = get<number>('BUDGET_WARNING_PCT');
  const criticalPct = get<number>('BUDGET_CRITICAL_PCT');
  const emergencyPct = get<number>('BUDGET_EMERGENCY_PCT');
  if (!(warningPct < criticalPct && criticalPct <= emergencyPct)) {
    throw new ConfigError('config: BUDGET_WARNING_PCT < BUDGET_CRITICAL_PCT <= BUDGET_EMERGENCY_PCT must hold');
  }

  checkAcrossSettings(parsed, values);

  if (parsed.GOOGLE_ADS_DEVELOPER_TOKEN) {
    // a half-configured account fails here, not at the first campaign
    const missing = ['GOOGLE_ADS_CLIENT_ID', 'GOOGLE_ADS_CLIENT_SECRET', 'GOOGLE_ADS_REFRESH_TOKEN', 'GOOGLE_ADS_CUSTOMER_ID', 'GOOGLE_ADS_LANDING_BASE_URL'].filter((key) => parsed[key] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(`config: GOOGLE_ADS_DEVELOPER_TOKEN is set but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not; set ${missing.length === 1 ? 'it' : 'them'}, or unset the token to use the simulated ads account`);
    }
  }

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
      url: get<string | undefined>('DATABASE_URL'),
      schema: get<string>('DATABASE_SCHEMA'),
      connectTimeoutMs: get<number>('DB_CONNECT_TIMEOUT'),
      statementTimeoutMs: get<number>('DB_STATEMENT_TIMEOUT'),
      poolMax: get<number>('DB_POOL_MAX'),
    },
    log: { level: get('LOG_LEVEL') },
    budget: {
      totalCents,
      categories,
      cycle: get('BUDGET_CYCLE'),
      warningPct,
      criticalPct,
      emergencyPct,
      reservationLeaseMs: get<number>('BUDGET_RESERVATION_LEASE'),
      shards: get<number>('BUDGET_SHARDS'),
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
    providers: { breakerFailures: get<number>('PROVIDER_BREAKER_FAILURES'), breakerCooldownMs: get<number>('PROVIDER_BREAKER_COOLDOWN') },
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
      fetchAllow: get<Array<{ host: string; port?: number }> | undefined>('SEARCH_FETCH_ALLOW') ?? [],
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
      httpProbes: get<Array<{ name: string; url: string }> | undefined>('HEALTH_HTTP_PROBES') ?? [],
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
      retentionDays: get<number | undefined>('BACKUP_RETENTION_DAYS') ?? get<number>('RETENTION_DAYS'),
      maxAgeMs: get('BACKUP_MAX_AGE'),
      schedule: get('BACKUP_SCHEDULE'),
      pgDumpPath: get('PG_DUMP_PATH'),
      pgRestorePath: get('PG_RESTORE_PATH'),
      psqlPath: get('PSQL_PATH'),
    },
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
function shownValue(spec: SettingSpec, raw: string): string {
  if (spec.secret) {
    const scheme = /^([a-z][a-z0-9+.-]{0,20}):/i.exec(raw)?.[1];
    return scheme ? ` (got a ${scheme.toLowerCase()}: URL)` : '';
  }
  return ` (got "${raw.length > 60 ? `${raw.slice(0, 60)}…` : raw}")`;
}

/**
 * Rules between settings, each with the two values and what would go wrong: settings that are each
 * valid but together cannot work are refused at start-up, not found out later.
 */
function checkAcrossSettings(parsed: Record<string, unknown>, values: Record<string, string | undefined>): void {
  const n = (key: string) => parsed[key] as number;
  const rule = (ok: boolean, message: string) => {
    if (!ok) throw new ConfigError(`config: ${message}`);
  };
  const v = (key: string) => `${key}=${values[key] ?? ''}`;
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
