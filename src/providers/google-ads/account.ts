/**
 * The Google Ads account: smoke-test campaigns on a real advertiser account through `google-ads-api`.
 *
 * - `createCampaign` looks the campaign up by name first (GAQL) and returns it when it exists, so a retry
 *   after a lost answer never creates a second one; otherwise it creates everything in ONE atomic
 *   `mutateResources` call with temporary (negative) ids: a non-shared daily budget, a SEARCH campaign
 *   (MAXIMIZE_CONVERSIONS, Google Search only, from today for `days` days in the account's time zone), the
 *   location targets, an ad group, a responsive search ad and the keywords.
 * - `pause` / `enable` update the campaign's status.
 * - `metrics(id, day)` reads impressions, clicks, cost and conversions of the campaign's day `day`
 *   (start date + day - 1) with GAQL; null while that date is today or later in the account's time zone
 *   (the day is not complete). Google Ads reports fractional conversions: they are rounded down.
 *
 * Every failure is a ProviderError (provider `google_ads`) saying what to do; no secret reaches a message.
 */
import { mapStrings, stripControls } from '../../core/terminal-text.js';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { ProviderError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { AdsAccount, CampaignSpec, DailyMetrics } from '../../core/providers.js';
import {
  digitsOnly,
  failureCodes,
  gaqlString,
  lazyCustomer,
  mapGoogleAdsError,
  secretsOf,
  type GaqlRow,
  type GoogleAdsCredentials,
  type GoogleAdsHooks,
  type LoadedCustomer,
  type MutateOperation,
} from './client.js';

/** Geo target constants of the locations a spec may name (https://developers.google.com/google-ads/api/data/geotargets). */
export const GEO_TARGETS: Record<string, number> = { US: 2840, CA: 2124, GB: 2826 };

/** Responsive search ad limits. */
export const LIMITS = { headline: 30, description: 90, keyword: 80, minHeadlines: 3, minDescriptions: 2 };

export interface GoogleAdsAccountOptions extends GoogleAdsCredentials {
  /**
   * The public http(s) URL where the artifacts directory is served: a landing page the pipeline wrote at
   * `<artifactsDir>/<idea>/landing.html` (a `file://` URL in the spec) is advertised as
   * `<landingBaseUrl>/<idea>/landing.html`. Ads need a public final URL.
   */
  landingBaseUrl?: string;
  /** The artifacts directory the landing pages are written to (config.paths.artifacts). */
  artifactsDir?: string;
  /** How keywords match searches. @default 'PHRASE' */
  keywordMatch?: 'BROAD' | 'PHRASE';
  logger?: Logger;
  /** The library's customer hooks (tests answer through them); production passes none. */
  hooks?: GoogleAdsHooks;
  /** Decides "today" for start dates and for which days are complete. @default systemClock */
  clock?: Clock;
}

/** YYYY-MM-DD of an instant in a time zone. */
export function dateIn(timeZone: string, at: Date): string {
  // en-CA formats as YYYY-MM-DD
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** YYYY-MM-DD plus n days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

const num = (value: unknown): number => {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : 0;
  return Number.isFinite(n) ? n : 0;
};

export function createGoogleAdsAccount(options: GoogleAdsAccountOptions): AdsAccount {
  const customerId = digitsOnly(options.customerId.replace(/-/g, ''), 'GOOGLE_ADS_CUSTOMER_ID');
  const load = lazyCustomer({ ...options, customerId, loginCustomerId: options.loginCustomerId?.replace(/-/g, '') }, options.hooks);
  const secrets = secretsOf(options);
  const clock = options.clock ?? systemClock;
  const matchType = options.keywordMatch ?? 'PHRASE';
  let timeZone: Promise<string> | undefined;
  /** Start date (YYYY-MM-DD) per campaign id: it never changes once the campaign exists. */
  const startDates = new Map<string, string>();

  async function call<T>(what: string, fn: (loaded: LoadedCustomer) => Promise<T>): Promise<T> {
    const loaded = await load();
    try {
      return await fn(loaded);
    } catch (error) {
      const mapped = mapGoogleAdsError(error, what, secrets, loaded.sdk);
      options.logger?.warn({ provider: 'google_ads', status: mapped.status ?? null, retryable: mapped.retryable, requestId: mapped.requestId ?? null }, mapped.message);
      throw mapped;
    }
  }

  const query = (what: string, gaql: string) => call(what, ({ customer }) => customer.query(gaql)).then((rows) => mapStrings(rows ?? [], stripControls));

  /** The account's time zone (campaign dates and reporting days are in it); asked once. */
  function accountTimeZone(): Promise<string> {
    timeZone ??= query('reading the account time zone', 'SELECT customer.id, customer.time_zone FROM customer LIMIT 1')
      .then((rows) => {
        const zone = rows[0]?.customer?.time_zone;
        if (typeof zone !== 'string' || !zone) {
          throw new ProviderError(`google_ads: customer ${customerId} returned no time zone; check GOOGLE_ADS_CUSTOMER_ID (an advertiser account, not a manager)`, { provider: 'google_ads', retryable: false });
        }
        return zone;
      })
      .catch((error: unknown) => {
        timeZone = undefined;
        throw error;
      });
    return timeZone;
  }

  async function findByName(name: string): Promise<string | undefined> {
    const rows = await query(
      `looking up campaign "${name}"`,
      `SELECT campaign.id, campaign.name, campaign.status FROM campaign WHERE campaign.name = ${gaqlString(name)} AND campaign.status != 'REMOVED' LIMIT 1`,
    );
    const id = rows[0]?.campaign?.id;
    return id === undefined || id === null ? undefined : String(id);
  }

  function operations(spec: CampaignSpec, today: string, loaded: LoadedCustomer): MutateOperation[] {
    const { enums } = loaded.sdk;
    const e = (table: string, key: string) => enums[table]![key]!;
    const budget = `customers/${customerId}/campaignBudgets/-1`;
    const campaign = `customers/${customerId}/campaigns/-2`;
    const adGroup = `customers/${customerId}/adGroups/-3`;
    const geo = spec.locations.map((code) => {
      const id = GEO_TARGETS[code];
      if (!id) throw new ProviderError(`google_ads: location "${code}" has no geo target here (known: ${Object.keys(GEO_TARGETS).join(', ')})`, { provider: 'google_ads', retryable: false });
      return id;
    });
    const cut = (text: string, max: number) => (text.length <= max ? text : text.slice(0, max).trimEnd());
    const headlines = [...new Set(spec.headlines.map((h) => cut(h.trim(), LIMITS.headline)).filter(Boolean))];
    const descriptions = [...new Set(spec.descriptions.map((d) => cut(d.trim(), LIMITS.description)).filter(Boolean))];
    const keywords = [...new Set(spec.keywords.map((k) => cut(k.trim().toLowerCase(), LIMITS.keyword)).filter(Boolean))];
    if (headlines.length < LIMITS.minHeadlines || descriptions.length < LIMITS.minDescriptions || keywords.length === 0) {
      throw new ProviderError(
        `google_ads: campaign "${spec.name}" needs at least ${LIMITS.minHeadlines} distinct headlines, ${LIMITS.minDescriptions} descriptions and 1 keyword (got ${headlines.length}, ${descriptions.length}, ${keywords.length}); regenerate the ad copy`,
        { provider: 'google_ads', retryable: false },
      );
    }
    return [
      {
        entity: 'campaign_budget',
        operation: 'create',
        resource: { resource_name: budget, name: `${spec.name} budget`, amount_micros: spec.dailyBudgetMicros, delivery_method: e('BudgetDeliveryMethod', 'STANDARD'), explicitly_shared: false },
      },
      {
        entity: 'campaign',
        operation: 'create',
        resource: {
          resource_name: campaign,
          name: spec.name,
          status: e('CampaignStatus', 'ENABLED'),
          advertising_channel_type: e('AdvertisingChannelType', 'SEARCH'),
          campaign_budget: budget,
          maximize_conversions: {},
          network_settings: { target_google_search: true, target_search_network: false, target_content_network: false, target_partner_search_network: false },
          start_date_time: `${today} 00:00:00`,
          end_date_time: `${addDays(today, spec.days - 1)} 23:59:59`,
          contains_eu_political_advertising: e('EuPoliticalAdvertisingStatus', 'DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING'),
        },
      },
      ...geo.map((id): MutateOperation => ({ entity: 'campaign_criterion', operation: 'create', resource: { campaign, location: { geo_target_constant: `geoTargetConstants/${id}` } } })),
      {
        entity: 'ad_group',
        operation: 'create',
        resource: { resource_name: adGroup, name: `${spec.name} ad group`, campaign, status: e('AdGroupStatus', 'ENABLED'), type: e('AdGroupType', 'SEARCH_STANDARD') },
      },
      {
        entity: 'ad_group_ad',
        operation: 'create',
        resource: {
          ad_group: adGroup,
          status: e('AdGroupAdStatus', 'ENABLED'),
          ad: { final_urls: [spec.finalUrl], responsive_search_ad: { headlines: headlines.map((text) => ({ text })), descriptions: descriptions.map((text) => ({ text })) } },
        },
      },
      ...keywords.map((text): MutateOperation => ({
        entity: 'ad_group_criterion',
        operation: 'create',
        resource: { ad_group: adGroup, status: e('AdGroupCriterionStatus', 'ENABLED'), keyword: { text, match_type: e('KeywordMatchType', matchType) } },
      })),
    ];
  }

  async function setStatus(campaignId: string, status: 'PAUSED' | 'ENABLED'): Promise<void> {
    const id = digitsOnly(campaignId, 'campaign id');
    await call(`${status === 'PAUSED' ? 'pausing' : 'enabling'} campaign ${id}`, ({ customer, sdk }) =>
      customer.campaigns.update([{ resource_name: `customers/${customerId}/campaigns/${id}`, status: sdk.enums.CampaignStatus![status] }]),
    );
    options.logger?.info({ provider: 'google_ads', campaign: id, status }, `google_ads: campaign ${id} ${status}`);
  }

  async function startDate(id: string): Promise<string> {
    const known = startDates.get(id);
    if (known) return known;
    const rows = await query(`reading campaign ${id}`, `SELECT campaign.id, campaign.start_date_time, campaign.status FROM campaign WHERE campaign.id = ${id}`);
    const start = rows[0]?.campaign?.start_date_time;
    if (typeof start !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(start)) {
      throw new ProviderError(`google_ads: campaign ${id} was not found in customer ${customerId}; check GOOGLE_ADS_CUSTOMER_ID, or whether the campaign was removed`, { provider: 'google_ads', status: 404, retryable: false });
    }
    startDates.set(id, start.slice(0, 10));
    return start.slice(0, 10);
  }

  /** The spec's final URL as a public http(s) URL (landing pages are local files until published). */
  function publicUrl(url: string): string {
    if (/^https?:\/\//i.test(url)) return url;
    if (url.startsWith('file://') && options.landingBaseUrl && options.artifactsDir) {
      const rel = relative(resolve(options.artifactsDir), fileURLToPath(new URL(url.replace(/^file:\/\/(?!\/)/, 'file:///'))));
      if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return `${options.landingBaseUrl.replace(/\/+$/, '')}/${rel.split(sep).map(encodeURIComponent).join('/')}`;
    }
    throw new ProviderError(
      `google_ads: the landing page ${url.slice(0, 100)} is not a public http(s) URL; set GOOGLE_ADS_LANDING_BASE_URL to where the artifacts directory (STUDIO_ARTIFACTS_DIR) is published`,
      { provider: 'google_ads', retryable: false },
    );
  }

  return {
    info: { name: 'google_ads', offline: false, account: 'google_ads' },

    async createCampaign(input) {
      const spec = { ...input, finalUrl: publicUrl(input.finalUrl) };
      const existing = await findByName(spec.name);
      if (existing) {
        options.logger?.info({ provider: 'google_ads', campaign: existing, name: spec.name }, 'google_ads: campaign exists, reusing it');
        return { campaignId: existing };
      }
      const today = dateIn(await accountTimeZone(), clock.date());
      const loaded = await load();
      const ops = operations(spec, today, loaded);
      let response;
      try {
        response = await loaded.customer.mutateResources(ops);
      } catch (error) {
        // created meanwhile by another attempt (the name is unique in the account): use that one
        if (failureCodes(error, loaded.sdk).some((c) => c.code === 'DUPLICATE_CAMPAIGN_NAME')) {
          const raced = await findByName(spec.name);
          if (raced) return { campaignId: raced };
        }
        const mapped = mapGoogleAdsError(error, `creating campaign "${spec.name}"`, secrets, loaded.sdk);
        options.logger?.warn({ provider: 'google_ads', status: mapped.status ?? null, retryable: mapped.retryable }, mapped.message);
        throw mapped;
      }
      const resourceName = response?.mutate_operation_responses?.map((r) => r.campaign_result?.resource_name).find(Boolean);
      const campaignId = resourceName?.split('/').pop();
      if (!campaignId || !/^\d+$/.test(campaignId)) {
        throw new ProviderError(`google_ads: creating campaign "${spec.name}" returned no campaign id; look for it in the account before retrying`, { provider: 'google_ads', retryable: false });
      }
      startDates.set(campaignId, today);
      options.logger?.info({ provider: 'google_ads', campaign: campaignId, name: spec.name, dailyBudgetMicros: spec.dailyBudgetMicros, days: spec.days }, 'google_ads: campaign created');
      return { campaignId };
    },

    pause: (campaignId) => setStatus(campaignId, 'PAUSED'),
    enable: (campaignId) => setStatus(campaignId, 'ENABLED'),

    async metrics(campaignId, day): Promise<DailyMetrics | null> {
      const id = digitsOnly(campaignId, 'campaign id');
      if (!Number.isInteger(day) || day < 1) throw new ProviderError(`google_ads: day ${day} of campaign ${id} is not a day number (1, 2, ...)`, { provider: 'google_ads', retryable: false });
      const date = addDays(await startDate(id), day - 1);
      const today = dateIn(await accountTimeZone(), clock.date());
      if (date >= today) return null;
      const rows: GaqlRow[] = await query(
        `reading metrics of campaign ${id} for ${date}`,
        `SELECT campaign.id, segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions FROM campaign WHERE campaign.id = ${id} AND segments.date = '${date}'`,
      );
      // no row: the campaign did not serve that day
      const sum = (field: string) => rows.reduce((total, row) => total + num(row.metrics?.[field]), 0);
      return { day, impressions: sum('impressions'), clicks: sum('clicks'), conversions: Math.floor(sum('conversions')), costMicros: Math.round(sum('cost_micros')) };
    },
  };
}
