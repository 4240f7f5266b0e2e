/**
 * The shared part of the Google Ads provider: the `google-ads-api` customer (imported lazily: the library
 * costs over a second and ~100-190 MB of memory to load, and offline runs never need it), GAQL helpers,
 * and the mapping of the library's errors into our `ProviderError`.
 *
 * The library sends GAQL queries over REST (axios, after an OAuth token refresh) and mutations over gRPC;
 * it has no endpoint option. Its customer hooks run before either (before the token refresh too), and a
 * start hook that calls `cancel(result)` makes the call return `result` without any network: tests answer
 * through them, production passes none.
 *
 * The library's types are not imported (type-checking a tree that imports them costs ~5 s and 670 MB);
 * the few shapes used here are declared below.
 *
 * Secrets (developer token, client secret, refresh token) never reach a message: everything that leaves
 * here goes through `redactText` with them as extra secrets.
 */
import { ProviderError } from '../../core/errors.js';
import { redactText } from '../../core/redact.js';

/** A GAQL result row as the library returns it (snake_case keys; int64 and enums may be strings or numbers). */
export type GaqlRow = Record<string, Record<string, unknown> | undefined>;

/** One operation of `customer.mutateResources` (the library's `MutateOperation`). */
export interface MutateOperation {
  entity: string;
  operation: 'create' | 'update' | 'remove';
  resource: Record<string, unknown>;
}

/** What a start hook receives: the request, and `cancel(result)` to answer it without the network. */
export interface QueryStartArgs {
  credentials: { customer_id: string; login_customer_id?: string };
  query: string;
  cancel(result?: unknown): void;
  editOptions(options: Record<string, unknown>): void;
}
export interface MutationStartArgs {
  credentials: { customer_id: string; login_customer_id?: string };
  /** `GoogleAdsService.mutate` for mutateResources, e.g. `CampaignService.mutateCampaigns` for a service call. */
  method: string;
  isServiceCall: boolean;
  /** mutateResources: the operations as given. */
  mutations?: MutateOperation[];
  /** A service call: the request `{ customer_id, operations: [{ update, operation, update_mask }] }`. */
  mutation?: { customer_id: string; operations: Array<Record<string, unknown>> };
  cancel(result?: unknown): void;
  editOptions(options: Record<string, unknown>): void;
}
export interface ServiceStartArgs {
  credentials: { customer_id: string; login_customer_id?: string };
  method: string;
  requestOptions: unknown;
  cancel(result?: unknown): void;
  editOptions(options: Record<string, unknown>): void;
}

/** The library's own customer hooks (only the start hooks are typed here). Production passes none. */
export interface GoogleAdsHooks {
  onQueryStart?: (args: QueryStartArgs) => void | Promise<void>;
  onMutationStart?: (args: MutationStartArgs) => void | Promise<void>;
  onServiceStart?: (args: ServiceStartArgs) => void | Promise<void>;
  onQueryError?: (args: { query: string; error: unknown }) => void | Promise<void>;
  onMutationError?: (args: { method: string; error: unknown }) => void | Promise<void>;
}

export interface GoogleAdsCredentials {
  developerToken: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** The advertiser account, ten digits without dashes. */
  customerId: string;
  /** The manager account the credentials act through, if any. */
  loginCustomerId?: string;
}

/** The part of the library's `Customer` used here. */
export interface AdsCustomer {
  query(gaql: string): Promise<GaqlRow[]>;
  mutateResources(operations: MutateOperation[], options?: Record<string, unknown>): Promise<{ mutate_operation_responses?: Array<Record<string, { resource_name?: string } | undefined>> } | undefined>;
  campaigns: { update(campaigns: Array<Record<string, unknown>>, options?: Record<string, unknown>): Promise<unknown> };
}

type EnumTable = Record<string, number | string>;
/** The part of the library's module used here. */
export interface AdsSdk {
  enums: Record<string, EnumTable>;
  errors: Record<string, unknown> & { GoogleAdsFailure: new (...args: never[]) => unknown };
}

const LIBRARY: string = 'google-ads-api';

interface AdsLibrary extends AdsSdk {
  GoogleAdsApi: new (options: { client_id: string; client_secret: string; developer_token: string }) => {
    Customer(options: { customer_id: string; login_customer_id?: string; refresh_token: string }, hooks?: GoogleAdsHooks): AdsCustomer;
  };
}

export interface LoadedCustomer {
  customer: AdsCustomer;
  sdk: AdsSdk;
}

/** A lazily built customer: the library is imported on the first call. */
export function lazyCustomer(credentials: GoogleAdsCredentials, hooks?: GoogleAdsHooks): () => Promise<LoadedCustomer> {
  let loaded: Promise<LoadedCustomer> | undefined;
  return () => {
    // through a variable, so tsc does not load the library's (very large) declarations
    loaded ??= (import(LIBRARY) as Promise<AdsLibrary>)
      .then((lib) => {
        const api = new lib.GoogleAdsApi({ client_id: credentials.clientId, client_secret: credentials.clientSecret, developer_token: credentials.developerToken });
        const customer = api.Customer({ customer_id: credentials.customerId, login_customer_id: credentials.loginCustomerId, refresh_token: credentials.refreshToken }, hooks);
        return { customer, sdk: lib };
      })
      .catch((error: unknown) => {
        loaded = undefined;
        throw new ProviderError(`google_ads: the google-ads-api library could not be loaded (${error instanceof Error ? error.message : String(error)}); run npm install`, {
          provider: 'google_ads',
          retryable: false,
          cause: error,
        });
      });
    return loaded;
  };
}

/** The secrets to scrub from anything that leaves the provider. */
export function secretsOf(credentials: GoogleAdsCredentials): string[] {
  return [credentials.developerToken, credentials.clientSecret, credentials.refreshToken].filter((s) => s.length > 0);
}

/** A string as a GAQL literal ('single quoted', backslash and quote escaped). */
export function gaqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An id for a GAQL condition or a resource name: digits only, else a non-retryable error. */
export function digitsOnly(id: string, what: string): string {
  if (!/^\d+$/.test(id)) throw new ProviderError(`google_ads: ${what} "${id.slice(0, 40)}" is not a Google Ads id (digits); was it created by another ads account?`, { provider: 'google_ads', retryable: false });
  return id;
}

// gRPC status codes (google-gax / @grpc/grpc-js), as carried by errors without a GoogleAdsFailure
const GRPC = { CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, ABORTED: 10, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;
const GRPC_NAME = Object.fromEntries(Object.entries(GRPC).map(([k, v]) => [v, k])) as Record<number, string>;
/** The HTTP status a gRPC status stands for (what ProviderError.status carries). */
const GRPC_HTTP: Record<number, number> = { 3: 400, 4: 504, 5: 404, 7: 403, 8: 429, 10: 409, 13: 500, 14: 503, 16: 401 };

/** One entry of a GoogleAdsFailure, with its error code resolved to names: ("quota_error", "RESOURCE_EXHAUSTED"). */
export interface AdsErrorCode {
  kind: string;
  code: string;
  message: string;
}

function isFailure(error: unknown, sdk?: AdsSdk): error is { errors: Array<{ error_code?: Record<string, unknown>; message?: string }>; request_id?: string } {
  if (sdk && error instanceof sdk.errors.GoogleAdsFailure) return true;
  const errors = (error as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && typeof (errors[0] as { error_code?: unknown })?.error_code === 'object';
}

/** `quota_error` + 2 → "RESOURCE_EXHAUSTED" through the library's error enums (REST already gives names). */
function codeName(kind: string, value: unknown, sdk?: AdsSdk): string {
  if (typeof value === 'string') return value;
  const pascal = kind.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
  const table = (sdk?.errors[`${pascal}Enum`] as Record<string, EnumTable> | undefined)?.[pascal];
  const found = table ? Object.entries(table).find(([, v]) => v === value) : undefined;
  return found ? found[0] : String(value);
}

export function failureCodes(error: unknown, sdk?: AdsSdk): AdsErrorCode[] {
  if (!isFailure(error, sdk)) return [];
  return error.errors.map((e) => {
    const [kind, value] = Object.entries(e.error_code ?? {})[0] ?? ['unknown', 'UNKNOWN'];
    return { kind, code: codeName(kind, value, sdk), message: e.message ?? '' };
  });
}

const RETRYABLE_CODES = new Set([
  'quota_error:RESOURCE_EXHAUSTED',
  'quota_error:RESOURCE_TEMPORARILY_EXHAUSTED',
  'quota_error:EXCESSIVE_SHORT_TERM_QUERY_RESOURCE_CONSUMPTION',
  'internal_error:INTERNAL_ERROR',
  'internal_error:TRANSIENT_ERROR',
  'internal_error:DEADLINE_EXCEEDED',
  'database_error:CONCURRENT_MODIFICATION',
]);

function hintForFailure(first: AdsErrorCode): { hint: string; status: number } {
  const key = `${first.kind}:${first.code}`;
  if (first.kind === 'quota_error') {
    return RETRYABLE_CODES.has(key)
      ? { hint: 'rate limited by Google Ads; it will be retried later', status: 429 }
      : { hint: 'the developer token lacks quota or access for this (check its access level in the API Center)', status: 429 };
  }
  if (first.kind === 'internal_error') return { hint: 'Google Ads failed internally; it will be retried later', status: 500 };
  if (first.kind === 'authentication_error') return { hint: 'check GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET and GOOGLE_ADS_REFRESH_TOKEN (re-authorise if the refresh token was revoked)', status: 401 };
  if (first.kind === 'authorization_error') {
    return { hint: 'check GOOGLE_ADS_DEVELOPER_TOKEN (approved for this account?), GOOGLE_ADS_CUSTOMER_ID and GOOGLE_ADS_LOGIN_CUSTOMER_ID (the manager account, if the user reaches the account through one)', status: 403 };
  }
  if (key === 'database_error:CONCURRENT_MODIFICATION') return { hint: 'another change to the same resource was in flight; it will be retried', status: 409 };
  return { hint: 'Google Ads refused the request; fix what the message names (nothing was changed: mutations are atomic)', status: 400 };
}

/**
 * Any error from a library call as a ProviderError (provider `google_ads`): a GoogleAdsFailure by its
 * first error code, a gRPC error by its status, a REST (axios) error by its HTTP status, an OAuth refusal
 * as an authentication error. Retryable: rate limits, unavailable, deadlines, internal/transient errors
 * and network failures; not: authentication, authorisation, invalid arguments. Our own ProviderErrors
 * pass through.
 */
export function mapGoogleAdsError(error: unknown, what: string, secrets: readonly string[], sdk?: AdsSdk): ProviderError {
  if (error instanceof ProviderError) return error;
  const clean = (text: string) => redactText(text, secrets).slice(0, 300);
  const codes = failureCodes(error, sdk);
  if (codes.length > 0) {
    const first = codes[0]!;
    const requestId = (error as { request_id?: string }).request_id || undefined;
    const { hint, status } = hintForFailure(first);
    const detail = codes.map((c) => `${c.kind}.${c.code}${c.message ? ` (${clean(c.message)})` : ''}`).join('; ');
    return new ProviderError(`google_ads: ${what} failed: ${detail}${requestId ? ` [request ${requestId}]` : ''}; ${hint}`, {
      provider: 'google_ads',
      status,
      requestId,
      retryable: RETRYABLE_CODES.has(`${first.kind}:${first.code}`),
      cause: error,
    });
  }

  const e = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    details?: unknown;
    name?: unknown;
    cause?: { code?: unknown; status?: unknown; message?: unknown };
    response?: { status?: number; data?: unknown };
    isAxiosError?: boolean;
  };
  const message = typeof e.message === 'string' ? e.message : String(error);
  // REST and OAuth errors carry their request (headers with the developer token and bearer token): keep
  // only a scrubbed copy of the message as the cause
  const scrubbed = new Error(clean(message));

  // OAuth token refresh (google-auth-library): invalid_grant / invalid_client / unauthorized_client
  const oauth = /\b(invalid_grant|invalid_client|unauthorized_client|invalid_request)\b/.exec(`${message} ${JSON.stringify((e.response?.data as object | undefined) ?? {})}`);
  if (oauth || message.includes('Failed to retrieve access token')) {
    const which = oauth?.[1] === 'invalid_client' || oauth?.[1] === 'unauthorized_client' ? 'GOOGLE_ADS_CLIENT_ID and GOOGLE_ADS_CLIENT_SECRET' : 'GOOGLE_ADS_REFRESH_TOKEN (expired or revoked? re-authorise)';
    const data = e.response?.data as { error_description?: unknown } | undefined;
    const description = typeof data?.error_description === 'string' ? `: ${clean(data.error_description)}` : '';
    return new ProviderError(`google_ads: ${what} failed: the OAuth token refresh was refused (${oauth?.[1] ?? 'no access token'}${description}); check ${which}`, {
      provider: 'google_ads',
      status: 401,
      retryable: false,
      cause: scrubbed,
    });
  }

  // gRPC (mutations) without a GoogleAdsFailure: a status code
  if (typeof e.code === 'number' && GRPC_NAME[e.code]) {
    const code = e.code;
    const name = GRPC_NAME[code]!;
    const retryable = code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED || code === GRPC.RESOURCE_EXHAUSTED || code === GRPC.ABORTED || code === GRPC.INTERNAL || code === GRPC.UNKNOWN;
    const hint =
      code === GRPC.UNAUTHENTICATED ? 'check GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET and GOOGLE_ADS_REFRESH_TOKEN'
      : code === GRPC.PERMISSION_DENIED ? 'check GOOGLE_ADS_DEVELOPER_TOKEN, GOOGLE_ADS_CUSTOMER_ID and GOOGLE_ADS_LOGIN_CUSTOMER_ID'
      : code === GRPC.INVALID_ARGUMENT ? 'Google Ads refused the request as malformed; fix what the message names'
      : code === GRPC.CANCELLED ? 'the call was cancelled'
      : retryable ? 'Google Ads is unavailable or slow; it will be retried later'
      : 'the request was refused';
    return new ProviderError(`google_ads: ${what} failed with gRPC ${name}: ${clean(typeof e.details === 'string' && e.details ? e.details : message)}; ${hint}`, {
      provider: 'google_ads',
      status: GRPC_HTTP[code],
      retryable,
      cause: error,
    });
  }

  // REST (queries): an HTTP status from axios, or the library's error built from a streamed error body
  const httpStatus = e.response?.status ?? (typeof e.cause?.code === 'number' ? e.cause.code : undefined);
  if (typeof httpStatus === 'number') {
    const retryable = httpStatus === 408 || httpStatus === 429 || httpStatus >= 500;
    const hint =
      httpStatus === 401 ? 'check GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET and GOOGLE_ADS_REFRESH_TOKEN'
      : httpStatus === 403 ? 'check GOOGLE_ADS_DEVELOPER_TOKEN, GOOGLE_ADS_CUSTOMER_ID and GOOGLE_ADS_LOGIN_CUSTOMER_ID'
      : httpStatus === 429 ? 'rate limited by Google Ads; it will be retried later'
      : retryable ? 'Google Ads is unavailable; it will be retried later'
      : 'Google Ads refused the request; fix what the message names';
    return new ProviderError(`google_ads: ${what} failed with HTTP ${httpStatus}: ${clean(message)}; ${hint}`, { provider: 'google_ads', status: httpStatus, retryable, cause: scrubbed });
  }

  // network: no answer at all
  if (typeof e.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNABORTED|ERR_NETWORK|EPIPE)$/.test(e.code)) {
    return new ProviderError(`google_ads: ${what} could not reach Google Ads (${e.code}); check the network — it will be retried`, { provider: 'google_ads', retryable: true, cause: scrubbed });
  }
  if (e.name === 'AbortError') return new ProviderError(`google_ads: ${what} was cancelled`, { provider: 'google_ads', retryable: false, cause: scrubbed });
  return new ProviderError(`google_ads: ${what} failed: ${clean(message)}`, { provider: 'google_ads', retryable: false, cause: scrubbed });
}
