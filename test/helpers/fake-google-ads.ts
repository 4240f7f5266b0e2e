/**
 * A fake Google Ads account for tests through the real `google-ads-api` library. The library has no
 * endpoint option, but its customer hooks run before any network (before the OAuth token refresh too) and
 * `cancel(result)` makes a call return `result`: the fake answers every query and mutation there, and
 * throws what the library would throw for scripted faults. Anything it does not understand fails loudly.
 *
 * It keeps campaigns (name, status, dates, budget, the ad and keywords as sent), answers the GAQL the
 * provider sends (customer, campaign by name / by id, daily metrics of a date), and records every query and
 * every mutation, the mutations as they go on the wire: each operation is encoded with the library's own
 * protobuf classes exactly as it would send it, then decoded, so a misspelt field or an enum that does
 * not encode is missing from what a test sees.
 */
import type { Clock } from '../../src/core/clock.js';
import type { GoogleAdsHooks, MutationStartArgs, QueryStartArgs } from '../../src/providers/google-ads/index.js';
import { dateIn, addDays } from '../../src/providers/google-ads/account.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the library's protobuf module, used untyped on purpose (its declarations are huge) */
type Lib = any;

export interface FakeCampaign {
  id: string;
  name: string;
  status: 'ENABLED' | 'PAUSED' | 'REMOVED';
  startDate: string;
  endDate: string;
  budgetMicros: number;
  headlines: string[];
  descriptions: string[];
  keywords: Array<{ text: string; matchType: string }>;
  finalUrls: string[];
  geoTargets: string[];
}

export interface FakeDay {
  impressions: number;
  clicks: number;
  costMicros: number;
  /** Google Ads reports fractional conversions. */
  conversions: number;
}

/** A mutation as recorded: the method, and each operation decoded from its wire form (enums as names). */
export interface RecordedMutation {
  method: string;
  customerId: string;
  loginCustomerId?: string;
  operations: Array<Record<string, any>>;
  /** Service calls (campaigns.update): the update masks sent. */
  updateMasks?: string[][];
}

export type FaultKind = 'RESOURCE_EXHAUSTED' | 'UNAVAILABLE' | 'DEADLINE_EXCEEDED' | 'UNAUTHENTICATED' | 'INVALID_GRANT' | 'INVALID_ARGUMENT' | 'PERMISSION_DENIED' | 'HTTP_503';

export interface FakeGoogleAds {
  hooks: GoogleAdsHooks;
  clock: Clock;
  customerId: string;
  timeZone: string;
  queries: string[];
  mutations: RecordedMutation[];
  campaigns: Map<string, FakeCampaign>;
  /** Metrics of a campaign's day (1-based), reported once the day is over. Default: a small steady campaign. */
  daily: (campaign: FakeCampaign, day: number) => FakeDay;
  /** Throw this fault on the next `times` calls of that kind (queries, mutations or any). */
  failNext(kind: FaultKind, options?: { times?: number; on?: 'query' | 'mutation' | 'any'; message?: string }): void;
  /** Answer queries after this many ms (a slow service). */
  queryDelayMs: number;
  /**
   * Fail a share of all calls at random (seeded, so a run repeats exactly) with one of `kinds`; half of
   * the failed mutations are applied first and then fail (the answer was lost). null turns it off.
   */
  chaos(options: { rate: number; seed?: number; kinds: FaultKind[] } | null): void;
  /** The faults thrown by chaos, in order. */
  injected: Array<{ kind: FaultKind; on: 'query' | 'mutation'; applied: boolean }>;
  /** Mutations that changed a campaign's status, as [campaign id, status]. */
  statusChanges(): Array<[string, string]>;
}

export async function createFakeGoogleAds(options: { clock: Clock; customerId?: string; timeZone?: string }): Promise<FakeGoogleAds> {
  const lib: Lib = await import('google-ads-api' as string);
  const gax: Lib = await import('google-gax' as string);
  const customerId = options.customerId ?? '1234567890';
  let nextId = 20_000_000_001;
  const faults: Array<{ kind: FaultKind; on: 'query' | 'mutation' | 'any'; message?: string }> = [];
  let chaos: { rate: number; kinds: FaultKind[]; random: () => number } | null = null;
  /** mulberry32 */
  const seeded = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /** A chaos fault for this call, if the dice say so: [error, apply first]. */
  function chaosFault(on: 'query' | 'mutation'): [unknown, boolean] | undefined {
    if (!chaos || chaos.random() >= chaos.rate) return undefined;
    const kind = chaos.kinds[Math.floor(chaos.random() * chaos.kinds.length)]!;
    const applied = on === 'mutation' && chaos.random() < 0.5;
    fake.injected.push({ kind, on, applied });
    return [faultError(kind), applied];
  }

  const failure = (kind: string, code: string, message: string, requestId: string) => {
    const pascal = kind.replace(/(^|_)([a-z])/g, (_: string, __: string, c: string) => c.toUpperCase());
    const value = lib.errors[`${pascal}Enum`][pascal][code];
    if (value === undefined) throw new Error(`fake google ads: no ${kind}.${code}`);
    return new lib.errors.GoogleAdsFailure({ errors: [{ error_code: { [kind]: value }, message }], request_id: requestId });
  };
  const grpcError = (code: number, details: string) => Object.assign(new gax.GoogleError(`${code} ${gax.Status[code]}: ${details}`), { code, details, metadata: new gax.grpc.Metadata() });

  function faultError(kind: FaultKind, message?: string): unknown {
    switch (kind) {
      case 'RESOURCE_EXHAUSTED':
        return failure('quota_error', 'RESOURCE_EXHAUSTED', message ?? 'Too many requests. Retry in 30 seconds.', 'req-quota');
      case 'UNAUTHENTICATED':
        return failure('authentication_error', 'AUTHENTICATION_ERROR', message ?? 'Authentication of the request failed.', 'req-auth');
      case 'PERMISSION_DENIED':
        return failure('authorization_error', 'DEVELOPER_TOKEN_NOT_APPROVED', message ?? 'The developer token is only approved for use with test accounts.', 'req-perm');
      case 'INVALID_ARGUMENT':
        return failure('field_error', 'REQUIRED', message ?? 'The required field was not present.', 'req-field');
      case 'UNAVAILABLE':
        return grpcError(gax.Status.UNAVAILABLE, message ?? 'Connection dropped');
      case 'DEADLINE_EXCEEDED':
        return grpcError(gax.Status.DEADLINE_EXCEEDED, message ?? 'Deadline exceeded');
      case 'INVALID_GRANT': {
        // google-auth-library's GaxiosError for a refused refresh token
        return Object.assign(new Error(message ?? 'invalid_grant'), { response: { status: 400, data: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } } });
      }
      case 'HTTP_503':
        // an axios error from the REST query path: it carries its request, headers included
        return Object.assign(new Error(message ?? 'Request failed with status code 503'), {
          isAxiosError: true,
          response: { status: 503, data: { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } } },
        });
    }
  }

  function takeFault(on: 'query' | 'mutation'): unknown {
    const i = faults.findIndex((f) => f.on === 'any' || f.on === on);
    if (i < 0) return undefined;
    const [fault] = faults.splice(i, 1);
    return faultError(fault!.kind, fault!.message);
  }

  const today = () => dateIn(fake.timeZone, options.clock.date());

  /** Encode one mutateResources operation as the library does, then decode it: what Google would receive. */
  function wire(op: { entity: string; operation?: string; resource: Record<string, unknown> }): Record<string, any> {
    const key = `${op.entity}_operation`;
    const message = new lib.services.MutateOperation({ [key]: { [op.operation ?? 'create']: op.resource } });
    const bytes = lib.services.MutateOperation.encode(message).finish();
    const decoded = lib.services.MutateOperation.toObject(lib.services.MutateOperation.decode(bytes), { enums: String, longs: Number, defaults: false });
    if (!decoded[key]) throw new Error(`fake google ads: the library cannot encode a ${op.entity} operation`);
    return decoded;
  }

  function createAll(args: MutationStartArgs): unknown {
    const ops = args.mutations ?? [];
    const decoded = ops.map(wire);
    fake.mutations.push({ method: args.method, customerId: args.credentials.customer_id, loginCustomerId: args.credentials.login_customer_id, operations: decoded });
    const campaignOp = decoded.find((d) => d.campaign_operation)?.campaign_operation?.create;
    if (!campaignOp) throw new Error('fake google ads: mutateResources without a campaign');
    if ([...fake.campaigns.values()].some((c) => c.name === campaignOp.name && c.status !== 'REMOVED')) {
      throw failure('campaign_error', 'DUPLICATE_CAMPAIGN_NAME', 'A campaign with this name already exists.', 'req-dup');
    }
    // temporary ids are replaced by real ones, consistently within the request
    const real = new Map<string, string>();
    const resolve = (name: string | undefined) => {
      if (!name) return name;
      const m = /^(customers\/\d+\/\w+\/)(-\d+)$/.exec(name);
      if (!m) return name;
      if (!real.has(name)) real.set(name, `${m[1]}${nextId++}`);
      return real.get(name)!;
    };
    const budget = decoded.find((d) => d.campaign_budget_operation)?.campaign_budget_operation?.create;
    const ad = decoded.find((d) => d.ad_group_ad_operation)?.ad_group_ad_operation?.create?.ad;
    const campaignName = resolve(campaignOp.resource_name)!;
    const campaign: FakeCampaign = {
      id: campaignName.split('/').pop()!,
      name: campaignOp.name,
      status: campaignOp.status,
      startDate: String(campaignOp.start_date_time).slice(0, 10),
      endDate: String(campaignOp.end_date_time).slice(0, 10),
      budgetMicros: Number(budget?.amount_micros ?? 0),
      headlines: (ad?.responsive_search_ad?.headlines ?? []).map((h: { text: string }) => h.text),
      descriptions: (ad?.responsive_search_ad?.descriptions ?? []).map((h: { text: string }) => h.text),
      keywords: decoded.filter((d) => d.ad_group_criterion_operation).map((d) => ({ text: d.ad_group_criterion_operation.create.keyword.text, matchType: d.ad_group_criterion_operation.create.keyword.match_type })),
      finalUrls: ad?.final_urls ?? [],
      geoTargets: decoded.filter((d) => d.campaign_criterion_operation).map((d) => d.campaign_criterion_operation.create.location?.geo_target_constant),
    };
    fake.campaigns.set(campaign.id, campaign);
    return {
      mutate_operation_responses: decoded.map((d, i) => {
        const entity = ops[i]!.entity;
        const created = d[`${entity}_operation`].create;
        return { [`${entity}_result`]: { resource_name: resolve(created.resource_name) ?? `customers/${customerId}/${entity}s/${nextId++}` } };
      }),
    };
  }

  function updateCampaigns(args: MutationStartArgs): unknown {
    const request = args.mutation!;
    const operations = request.operations.map((op) => {
      const update = op.update as Record<string, unknown>;
      // as the library sends it: the Campaign message, encoded and decoded
      const bytes = lib.resources.Campaign.encode(new lib.resources.Campaign(update)).finish();
      return { update: lib.resources.Campaign.toObject(lib.resources.Campaign.decode(bytes), { enums: String, longs: Number, defaults: false }) };
    });
    const updateMasks = request.operations.map((op) => ((op.update_mask as { paths?: string[] } | undefined)?.paths ?? []).slice());
    fake.mutations.push({ method: args.method, customerId: request.customer_id, loginCustomerId: args.credentials.login_customer_id, operations, updateMasks });
    for (const { update } of operations) {
      const id = String(update.resource_name).split('/').pop()!;
      const campaign = fake.campaigns.get(id);
      if (!campaign) throw failure('mutate_error', 'RESOURCE_NOT_FOUND', 'Resource was not found.', 'req-404');
      if (update.status) campaign.status = update.status;
    }
    return { results: operations.map(({ update }) => ({ resource_name: update.resource_name })) };
  }

  function answer(gaql: string): unknown[] {
    const q = gaql.replace(/\s+/g, ' ').trim();
    if (/ FROM customer\b/i.test(q)) {
      return [{ customer: { id: customerId, ...(q.includes('customer.time_zone') ? { time_zone: fake.timeZone } : {}) } }];
    }
    const byName = /FROM campaign WHERE campaign\.name = '((?:[^'\\]|\\.)*)'/.exec(q);
    if (byName) {
      const name = byName[1]!.replace(/\\(.)/g, '$1');
      const found = [...fake.campaigns.values()].find((c) => c.name === name && c.status !== 'REMOVED');
      return found ? [{ campaign: { id: found.id, name: found.name, status: found.status } }] : [];
    }
    const byDate = /FROM campaign WHERE campaign\.id = (\d+) AND segments\.date = '(\d{4}-\d{2}-\d{2})'/.exec(q);
    if (byDate) {
      const campaign = fake.campaigns.get(byDate[1]!);
      const date = byDate[2]!;
      if (!campaign || date < campaign.startDate || date > campaign.endDate || date >= today()) return [];
      const day = Math.round((Date.parse(date) - Date.parse(campaign.startDate)) / 86_400_000) + 1;
      const m = fake.daily(campaign, day);
      // Google returns no row for a day without impressions
      if (m.impressions === 0 && m.costMicros === 0) return [];
      // as REST returns them: int64 as strings, doubles as numbers
      return [{ campaign: { id: campaign.id }, segments: { date }, metrics: { impressions: String(m.impressions), clicks: String(m.clicks), cost_micros: String(m.costMicros), conversions: m.conversions } }];
    }
    const byId = /FROM campaign WHERE campaign\.id = (\d+)$/.exec(q);
    if (byId) {
      const campaign = fake.campaigns.get(byId[1]!);
      return campaign ? [{ campaign: { id: campaign.id, start_date_time: `${campaign.startDate} 00:00:00`, status: campaign.status } }] : [];
    }
    throw new Error(`fake google ads: unexpected GAQL: ${q}`);
  }

  const fake: FakeGoogleAds = {
    clock: options.clock,
    customerId,
    timeZone: options.timeZone ?? 'UTC',
    queries: [],
    mutations: [],
    campaigns: new Map(),
    queryDelayMs: 0,
    daily: (_campaign, day) => ({ impressions: 100 + day, clicks: 3, costMicros: 1_250_000, conversions: 0.6 }),
    injected: [],
    chaos(o) {
      chaos = o ? { rate: o.rate, kinds: o.kinds, random: seeded(o.seed ?? 1) } : null;
    },
    failNext(kind, o = {}) {
      for (let i = 0; i < (o.times ?? 1); i++) faults.push({ kind, on: o.on ?? 'any', message: o.message });
    },
    statusChanges() {
      return fake.mutations
        .filter((m) => m.method === 'CampaignService.mutateCampaigns')
        .flatMap((m) => m.operations.map((op): [string, string] => [String(op.update.resource_name).split('/').pop()!, op.update.status]));
    },
    hooks: {
      async onQueryStart(args: QueryStartArgs) {
        fake.queries.push(args.query);
        if (fake.queryDelayMs > 0) await new Promise((r) => setTimeout(r, fake.queryDelayMs));
        const fault = takeFault('query') ?? chaosFault('query')?.[0];
        if (fault) throw fault;
        args.cancel(answer(args.query));
      },
      async onMutationStart(args: MutationStartArgs) {
        const fault = takeFault('mutation');
        if (fault) throw fault;
        const random = chaosFault('mutation');
        if (random && !random[1]) throw random[0];
        if (args.method === 'GoogleAdsService.mutate') args.cancel(createAll(args));
        else if (args.method === 'CampaignService.mutateCampaigns') args.cancel(updateCampaigns(args));
        else throw new Error(`fake google ads: unexpected mutation ${args.method}`);
        // applied, but the answer is lost on the way back
        if (random) throw random[0];
      },
      async onServiceStart(args) {
        throw new Error(`fake google ads: unexpected service call ${args.method}`);
      },
    },
  };
  return fake;
}

/** The date `n` days after the campaign start, for scripting. */
export const dayDate = (campaign: FakeCampaign, day: number) => addDays(campaign.startDate, day - 1);
