/** The PostHog provider: analytics events through `posthog-node`, signup counts through the query API, a health probe. */
export { createPostHogAnalytics, SIGNUPS_HOGQL, type PostHogAnalytics, type PostHogAnalyticsOptions } from './analytics.js';
export { createPostHogProbe, type PostHogProbeOptions } from './probe.js';
export { apiHostFor } from './client.js';
