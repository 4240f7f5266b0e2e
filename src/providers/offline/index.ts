/** The offline stand-ins for every provider, built from the configuration. */
import type { Config } from '../../core/config.js';
import type { Providers } from '../../core/providers.js';
import { createSimulatedAdsAccount } from './ads.js';
import { createOfflineAnalytics } from './analytics.js';
import { createOfflineEmbedder } from './embedder.js';
import { createOfflineTextGenerator } from './text.js';

export function createOfflineProviders(config: Config): Providers {
  return {
    text: createOfflineTextGenerator({ model: config.openai.model, cheapModel: config.openai.cheapModel }),
    embedder: createOfflineEmbedder({ model: config.openai.embeddingModel, dimensions: config.openai.embeddingDim }),
    ads: createSimulatedAdsAccount(),
    analytics: createOfflineAnalytics(config.posthog.host),
  };
}
