/**
 * Every setting studio reads, declared once: its variable, group, description, default (as the text a
 * user would write), what it expects and the kind of value that parses it. The table's types are kept, so
 * `SettingValue<'BUDGET_TOTAL'>` is the parsed value's type (and a misspelt key does not compile);
 * `config.ts` assembles the `Config` from it. `studio config` and docs/configuration.md show this table.
 */
import {
  adsCustomerId,
  between,
  bool,
  bytes,
  cronPattern,
  dollars,
  durationIn,
  durationOrNever,
  hostList,
  httpProbes,
  int,
  matching,
  number,
  oneOf,
  percent,
  postgresUrl,
  text,
  url,
  type ValueKind,
  type ValueOf,
} from './config-values.js';

/** What documents a setting: `studio config` and the generated docs table show these fields. */
export interface SettingInfo {
  env: string;
  group: string;
  describe: string;
  /** Default as the text a user would write; undefined = unset. */
  default?: string;
  /** Shown as set / not set, never printed. */
  secret?: boolean;
  /** What a valid value looks like, for the error line. */
  expects: string;
}

/** A setting with the kind of value that parses it; `K`, `P` and `D` keep its name, parser and default. */
export interface SettingSpec<K extends string = string, P extends ValueKind<unknown> = ValueKind<unknown>, D extends string | undefined = string | undefined> extends SettingInfo {
  env: K;
  default: D;
  parse: P;
}

function s<K extends string, P extends ValueKind<unknown>, D extends string | undefined = undefined>(
  env: K,
  group: string,
  describe: string,
  parse: P,
  expects: string,
  def?: D,
  secret = false,
): SettingSpec<K, P, D> {
  return { env, group, describe, parse, expects, default: def as D, secret };
}

/** A duration setting: its schema and its description, from one range. */
function d<K extends string, D extends string | undefined = undefined>(env: K, group: string, describe: string, min: string, max: string, def?: D) {
  return s(env, group, describe, durationIn(min, max), between(min, max), def);
}


/** BACKUP_SCHEDULE's default, which its kind takes without asking croner (a test checks it does run). */
const DAILY_AT_3 = '0 3 * * *';

/** Every setting studio reads, in the order `studio config` shows them. */
export const SETTINGS = [
  s('STUDIO_HOME', 'paths', 'Directory holding every run-time path below (data, logs, artifacts, ...)', text, 'a directory path', '.'),
  s('STUDIO_DATA_DIR', 'paths', 'Embedded database directory (PGlite)', text, 'a directory path', 'data/pglite'),
  s('STUDIO_LOG_FILE', 'paths', 'JSON-lines log file', text, 'a file path', 'logs/pipeline.log'),
  s('STUDIO_ARTIFACTS_DIR', 'paths', 'Decks and landing pages, one folder per idea', text, 'a directory path', 'artifacts'),
  s('STUDIO_BACKUPS_DIR', 'paths', 'Database backups and their manifests', text, 'a directory path', 'backups'),
  s('STUDIO_ARCHIVES_DIR', 'paths', 'Archived budget cycles and data', text, 'a directory path', 'archives'),
  s('STUDIO_REPORTS_DIR', 'paths', 'Daily budget reviews and performance reports', text, 'a directory path', 'reports'),

  s('DATABASE_URL', 'database', 'PostgreSQL server (with pgvector); unset = embedded PGlite', postgresUrl, 'a postgres:// or postgresql:// URL', undefined, true),
  s('DATABASE_SCHEMA', 'database', 'Schema studio keeps its tables in (server mode); first on the search path', matching(/^[a-z_][a-z0-9_]{0,62}$/), 'a lower-case SQL identifier', 'public'),
  d('DB_CONNECT_TIMEOUT', 'database', 'Give up connecting after this long', '100ms', '5m', '5s'),
  d('DB_STATEMENT_TIMEOUT', 'database', 'Cancel a statement running longer than this (server mode)', '100ms', '24h', '30s'),
  s('DB_POOL_MAX', 'database', 'Connections per process (server mode)', int(1, 200), 'a whole number from 1 to 200', '10'),

  s('LOG_LEVEL', 'logging', 'Lowest level written to the log file', oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal'), 'one of trace, debug, info, warn, error, fatal', 'info'),

  s('BUDGET_TOTAL', 'budget', 'Cycle budget in dollars (hard cap)', dollars, 'an amount in dollars like 62.00', '62.00'),
  s('BUDGET_OPENAI_TOKENS', 'budget', 'Cap for OpenAI tokens', dollars, 'an amount in dollars', '10.00'),
  s('BUDGET_GOOGLE_ADS', 'budget', 'Cap for Google Ads spend', dollars, 'an amount in dollars', '45.00'),
  s('BUDGET_INFRASTRUCTURE', 'budget', 'Cap for infrastructure', dollars, 'an amount in dollars', '5.00'),
  s('BUDGET_EXTERNAL_APIS', 'budget', 'Cap for other external APIs', dollars, 'an amount in dollars', '2.00'),
  s('BUDGET_CYCLE', 'budget', 'Cycle roll-over: manual (budget reset), weekly or monthly', oneOf('manual', 'weekly', 'monthly'), 'one of manual, weekly, monthly', 'manual'),
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
  s('SEARCH_API_KEY_HEADER', 'search', 'Header carrying the key: Authorization sends "Bearer <key>", any other header the bare key (X-Subscription-Token for Brave)', matching(/^[A-Za-z0-9-]{1,64}$/), 'a header name', 'Authorization'),
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
  s('FUND_THRESHOLD', 'pipeline', 'Investor score needed to pass INVESTORS (0..1)', number(0, 1), 'a number from 0 to 1', '0.8'),
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
  s('BACKUP_SCHEDULE', 'backup', 'When the daily backup + restore drill + prune runs (cron, UTC)', cronPattern(DAILY_AT_3), 'a cron pattern (minute hour day month weekday, UTC) that runs within a year', DAILY_AT_3),
  s('PG_DUMP_PATH', 'backup', 'pg_dump binary (server mode); its major version must not be older than the server', text, 'a command or path', 'pg_dump'),
  s('PG_RESTORE_PATH', 'backup', 'pg_restore binary (server mode)', text, 'a command or path', 'pg_restore'),
  s('PSQL_PATH', 'backup', 'psql binary (server mode restore runs in one transaction through it)', text, 'a command or path', 'psql'),
  d('STAGE_RETRY_BASE', 'pipeline', 'First retry delay after a failed gate; doubles each retry', '10ms', '1h', '2s'),
  s('STAGE_MAX_RETRIES', 'pipeline', 'Retries of a failed gate before the idea is parked (or rejected)', int(0, 20), 'a whole number from 0 to 20', '3'),
  s('GATE_EXHAUSTED', 'pipeline', 'What happens past the retry limit: park for an operator, or reject', oneOf('park', 'reject'), 'park or reject', 'park'),
  d('BUDGET_WAIT_RETRY', 'pipeline', 'How often an idea waiting on budget tries again', '100ms', '24h', '30s'),
  s('INTAKE_PER_HOUR', 'pipeline', 'New ideas per submitting operator (STUDIO_OPERATOR or the OS user) per hour; an operator imports batches, so this is above the domain\'s 10 per creator, whose name a file can forge', int(1, 100_000), 'a whole number from 1 to 100000', '50'),
  s('INTAKE_PER_DAY', 'pipeline', 'New ideas per submitting operator per day', int(1, 1_000_000), 'a whole number from 1 to 1000000', '200'),
  s('INTAKE_PER_SUBMISSION', 'pipeline', 'Ideas one create command may submit (a larger file is refused whole, before any embedding)', int(1, 10_000), 'a whole number from 1 to 10000', '50'),
  s('SMOKE_TEST_BUDGET', 'pipeline', 'Ads budget of one smoke-test campaign', dollars, 'an amount in dollars like 25.00', '25.00'),
  s('SMOKE_TEST_DAYS', 'pipeline', 'Days a smoke-test campaign runs', int(1, 90), 'a whole number of days from 1 to 90', '7'),
  d('MAINTENANCE_WINDOW_MAX', 'health', 'Longest maintenance window (alert silence) an operator may open', '1m', '30d', '7d'),
  s('CLI_READ_NICE', 'cli', 'CPU priority (nice, 0-19) that one-shot read-only commands (budget status, list, show, config ...; never health, the monitoring probe) run at when their output is not a terminal (watch, cron, scripts), so polling them does not slow the console; `studio` also runs them as SCHED_IDLE on Linux; 0 = keep the caller\'s priority', int(0, 19), 'a whole number from 0 to 19', '10'),
];

type AnySetting = (typeof SETTINGS)[number];
/** The name of a setting: its environment variable. */
export type SettingKey = AnySetting['env'];
type SpecOf<K extends SettingKey> = Extract<AnySetting, { env: K }>;
/** The parsed value of setting `K`; `| undefined` only when it has no default. */
export type SettingValue<K extends SettingKey> = ValueOf<SpecOf<K>['parse']> | (undefined extends SpecOf<K>['default'] ? undefined : never);
/** Every setting's parsed value, by name (those without a default may be missing). */
export type SettingValues = { [K in SettingKey]: SettingValue<K> };
