/**
 * The composition root: the one place that knows which database and which providers are in use. It
 * builds them from the configuration and hands them down; everything above sees ports.
 */
import { loadConfig, type Config } from '../core/config.js';
import { createLogger, type Logger } from '../core/logger.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Database } from '../core/ports.js';
import { createSentinel, type Sentinel } from '../pipeline/budget/sentinel.js';
import { assertDatabaseExists, openDatabase } from '../storage/open.js';
import type { Providers } from '../core/providers.js';
import { createOfflineProviders } from '../providers/offline/index.js';
import { createOpenAiEmbedder, createOpenAiTextGenerator } from '../providers/openai/index.js';
import { createPostHogAnalytics } from '../providers/posthog/analytics.js';
import { createGoogleAdsAccount } from '../providers/google-ads/account.js';
import type { GoogleAdsHooks } from '../providers/google-ads/client.js';
import { createWebSearch } from '../providers/web-search/index.js';
import { guardProviders, type BreakerChange } from '../providers/breaker.js';
import { emitEvent } from '../storage/events.js';
import { budgetLevelEvent } from '../pipeline/analytics.js';
import { pauseOnBudgetLevel } from '../pipeline/campaigns.js';

/** How long closing the app waits for queued analytics events to be sent, ms. */
export const ANALYTICS_CLOSE_MS = 2_000;

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
   * Text generation, embeddings, the ads account, analytics, web search: the real services where their
   * keys are set, each behind its circuit breaker, else the offline stand-ins (`offline: true` in every
   * output).
   */
  providers: Providers;
  /** Flush analytics (bounded), close the database and flush the log. Safe to call twice. */
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
  /**
   * Create the embedded database when there is none. Commands that only read pass false: on a STUDIO_HOME
   * without a database they exit 2 with one line and create nothing (not even the log file). @default true
   */
  createDatabase?: boolean;
  /** Told what opening the database is doing (first start: creating it, applying migrations). */
  onProgress?: (step: string) => void;
}

export async function createApp(options: CreateAppOptions = {}): Promise<App> {
  const config = options.config ?? loadConfig();
  if (options.createDatabase === false) await assertDatabaseExists(config);
  const log = createLogger({ file: config.paths.logFile, level: config.log.level, stdout: options.logToStdout, base: options.logBase });
  const db = await openDatabase(config, {
    logger: log.logger,
    migrate: options.migrate,
    applicationName: `studio ${String(options.logBase?.cmd ?? '')}`.trim(),
    create: options.createDatabase,
    onProgress: options.onProgress,
  });
  const clock = options.clock ?? systemClock;
  const providers = buildProviders(config, log.logger, {
    // an open breaker is an outage: an ops event opens (and its closing resolves) an incident
    onBreakerChange: (change) => {
      const event = breakerEvent(change);
      if (event) void emitEvent(db, event).catch((error) => log.logger.error({ err: error }, 'providers: could not record a breaker change'));
    },
  });
  const levelEvent = budgetLevelEvent(providers.analytics, log.logger);
  const campaignBrake = pauseOnBudgetLevel({ db, ads: providers.ads, logger: log.logger, analytics: providers.analytics });
  const budget = createSentinel({
    db,
    config,
    clock,
    logger: log.logger,
    onLevelCrossed: (crossing) => {
      levelEvent(crossing);
      // google_ads CRITICAL or any EMERGENCY: every running campaign is paused now, not at the next hourly job
      campaignBrake.onLevelCrossed(crossing);
    },
  });
  const unwatch = options.followLogRotation ? (await import('../core/log-watch.js')).watchLogFile(config.paths.logFile, () => log.reopen()) : undefined;
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
      await campaignBrake.idle();
      // queued analytics events get a bounded chance to leave (a dead host costs at most this long)
      await providers.analytics.close?.(ANALYTICS_CLOSE_MS).catch((error: unknown) => log.logger.warn({ err: error }, 'analytics: close failed; queued events may be lost'));
      await db.close();
      log.flush();
    },
  };
}

/**
 * The providers for this configuration. Every port has its offline stand-in; the OpenAI, PostHog, Google
 * Ads and web-search implementations replace them here when their settings are present, and every real
 * one is put behind its service's circuit breaker.
 */
export function buildProviders(config: Config, logger?: Logger, options: BuildProvidersOptions = {}): Providers {
  const providers = createOfflineProviders(config);
  const o = config.openai;
  if (o.apiKey) {
    // the SDK itself is imported on the first call, so offline commands pay nothing for it
    const client = { apiKey: o.apiKey, baseURL: o.baseUrl, timeoutMs: o.timeoutMs, maxRetries: o.maxRetries, logger };
    providers.text = createOpenAiTextGenerator({ ...client, model: o.model, cheapModel: o.cheapModel });
    providers.embedder = createOpenAiEmbedder({ ...client, model: o.embeddingModel, dimensions: o.embeddingDim });
  }
  const p = config.posthog;
  if (p.projectKey) {
    // posthog-node is imported on the first event; its own console output is kept off the screen (client.ts)
    providers.analytics = createPostHogAnalytics({ projectKey: p.projectKey, host: p.host, personalKey: p.personalKey, projectId: p.projectId, logger });
  }
  const g = config.googleAds;
  // loadConfig has checked that the rest is set when the developer token is
  if (g.developerToken && g.clientId && g.clientSecret && g.refreshToken && g.customerId) {
    providers.ads = createGoogleAdsAccount({
      developerToken: g.developerToken,
      clientId: g.clientId,
      clientSecret: g.clientSecret,
      refreshToken: g.refreshToken,
      customerId: g.customerId,
      loginCustomerId: g.loginCustomerId,
      landingBaseUrl: g.landingBaseUrl,
      artifactsDir: config.paths.artifacts,
      logger,
      ...options.googleAds,
    });
  }
  const search = config.search;
  if (search.url) {
    // optional web evidence search: pages are fetched through its SSRF guard
    providers.search = createWebSearch({ url: search.url, apiKey: search.apiKey, apiKeyHeader: search.apiKeyHeader, timeoutMs: search.timeoutMs, maxPageBytes: search.maxPageBytes, allow: search.fetchAllow });
  }
  return guardProviders(providers, {
    failures: config.providers.breakerFailures,
    cooldownMs: config.providers.breakerCooldownMs,
    onChange: (change) => {
      const line = `providers: ${change.service} circuit breaker ${change.from} -> ${change.to}`;
      if (change.to === 'open') logger?.warn({ service: change.service, failures: change.failures, lastError: change.lastError, retryAt: change.retryAt }, line);
      else logger?.info({ service: change.service }, line);
      options.onBreakerChange?.(change);
    },
  }).providers;
}

export interface BuildProvidersOptions {
  /** Told when a service's circuit breaker opens, half-opens or closes. */
  onBreakerChange?: (change: BreakerChange) => void;
  /** Tests only: answer the Google Ads library's calls in-process through its own hooks (it has no endpoint option). */
  googleAds?: { hooks?: GoogleAdsHooks; clock?: Clock };
}

/** The ops event of a breaker change: open is CRITICAL for that service, closed clears it (half-open: none). */
export function breakerEvent(change: BreakerChange) {
  if (change.to === 'half_open') return null;
  const open = change.to === 'open';
  return {
    kind: open ? 'provider.breaker_open' : 'provider.breaker_closed',
    source: change.service,
    level: open ? ('CRITICAL' as const) : ('HEALTHY' as const),
    dedupKey: `provider.breaker:${change.service}`,
    message: open
      ? `${change.service}: circuit breaker open after ${change.failures} failed calls in a row (${change.lastError ?? 'unknown error'}); one trial call at ${change.retryAt?.toISOString() ?? '?'}`
      : `${change.service}: circuit breaker closed, calls succeed again`,
    details: { from: change.from, to: change.to, failures: change.failures, retryAt: change.retryAt?.toISOString() ?? null },
  };
}
