/** The Google Ads provider: the smoke-test ads account and a health probe through `google-ads-api`. */
export { createGoogleAdsAccount, GEO_TARGETS, LIMITS, type GoogleAdsAccountOptions } from './account.js';
export { createGoogleAdsProbe, PROBE_GAQL, type GoogleAdsProbeOptions } from './probe.js';
export { mapGoogleAdsError, type GoogleAdsCredentials, type GoogleAdsHooks, type MutateOperation, type MutationStartArgs, type QueryStartArgs, type ServiceStartArgs } from './client.js';
