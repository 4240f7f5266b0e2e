/** The OpenAI provider: text generation, embeddings and a health probe through the `openai` SDK. */
export { createOpenAiTextGenerator, type OpenAiTextOptions } from './text.js';
export { createOpenAiEmbedder, OPENAI_FULL_RELEVANCE_AT, type OpenAiEmbedderOptions } from './embedder.js';
export { createOpenAiProbe, type OpenAiProbeOptions } from './probe.js';
export { mapOpenAiError } from './client.js';
