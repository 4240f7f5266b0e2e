/**
 * The composition root: the one place that knows which database and which providers are in use. It
 * builds them from the configuration and hands them down; everything above sees ports.
 */
import { loadConfig, type Config } from './core/config.js';
import { createLogger, type Logger } from './core/logger.js';
import { systemClock, type Clock } from './core/clock.js';
import type { Database } from './core/ports.js';
import { createSentinel, type Sentinel } from './pipeline/budget/sentinel.js';
import { openDatabase } from './storage/open.js';
import type { Providers } from './core/providers.js';
import { createOfflineProviders } from './providers/offline/index.js';
import { createOpenAiEmbedder, createOpenAiTextGenerator } from './providers/openai/index.js';
import { createWebSearch } from './providers/web-search/index.js';

export interface App {
  config: Config;
  logger: Logger;
  db: Database;
  clock: Clock;
  /** The budget sentinel: every paid call goes through it. */
  budget: Sentinel;
  /** Reopen the log file after log rotation moved it away. */
  reopenLog(): void;
  /**
   * Text generation, embeddings, the ads account, analytics: the real services where their keys are set
   * (next issue), else the offline stand-ins (`offline: true` in every output).
   */
  providers: Providers;
  /** Close the database and flush the log. Safe to call twice. */
  close(): Promise<void>;
}

export interface CreateAppOptions {
  config?: Config;
  /** Apply pending migrations on open. @default true */
  migrate?: boolean;
  /** Also log to stdout (headless scheduler). */
  logToStdout?: boolean;
  clock?: Clock;
  /** Fields on every log line, e.g. the command. */
  logBase?: Record<string, unknown>;
  /** Reopen the log file when another process rotates it (long-lived processes: scheduler, console). */
  followLogRotation?: boolean;
}

export async function createApp(options: CreateAppOptions = {}): Promise<App> {
  const config = options.config ?? loadConfig();
  const log = createLogger({ file: config.paths.logFile, level: config.log.level, stdout: options.logToStdout, base: options.logBase });
  const db = await openDatabase(config, {
    logger: log.logger,
    migrate: options.migrate,
    applicationName: `studio ${String(options.logBase?.cmd ?? '')}`.trim(),
  });
  const clock = options.clock ?? systemClock;
  const budget = createSentinel({ db, config, clock, logger: log.logger });
  const unwatch = options.followLogRotation ? (await import('./core/log-watch.js')).watchLogFile(config.paths.logFile, () => log.reopen()) : undefined;
  const providers = buildProviders(config, log.logger);
  let closed = false;
  return {
    config,
    logger: log.logger,
    db,
    clock,
    budget,
    reopenLog: () => log.reopen(),
    providers,
    async close() {
      if (closed) return;
      closed = true;
      unwatch?.();
      await db.close();
      log.flush();
    },
  };
}

/**
 * The providers for this configuration. Every port has its offline stand-in; the OpenAI, Google Ads and
 * PostHog implementations replace them here, one by one, when their keys are set.
 */
export function buildProviders(config: Config, logger?: Logger): Providers {
  const providers = createOfflineProviders(config);
  const o = config.openai;
  if (o.apiKey) {
    // the SDK itself is imported on the first call, so offline commands pay nothing for it
    const client = { apiKey: o.apiKey, baseURL: o.baseUrl, timeoutMs: o.timeoutMs, maxRetries: o.maxRetries, logger };
    providers.text = createOpenAiTextGenerator({ ...client, model: o.model, cheapModel: o.cheapModel });
    providers.embedder = createOpenAiEmbedder({ ...client, model: o.embeddingModel, dimensions: o.embeddingDim });
  }
  const search = config.search;
  if (search.url) {
    // optional web evidence search: pages are fetched through its SSRF guard
    providers.search = createWebSearch({ url: search.url, apiKey: search.apiKey, apiKeyHeader: search.apiKeyHeader, timeoutMs: search.timeoutMs, maxPageBytes: search.maxPageBytes, allow: search.fetchAllow });
  }
  return providers;
}
