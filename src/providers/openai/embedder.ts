/**
 * OpenAI embeddings: one `embeddings.create` per batch with the configured dimensions (the vector
 * columns are sized to EMBEDDING_DIM). The SDK asks for base64 and decodes it to floats; every vector is
 * checked against the configured dimension and L2-normalised (the port promises unit vectors).
 */
import { ProviderError } from '../../core/errors.js';
import type { Embedder, Embeddings } from '../../core/providers.js';
import { lazyClient, mapOpenAiError, type OpenAiClientOptions } from './client.js';

export interface OpenAiEmbedderOptions extends OpenAiClientOptions {
  model: string;
  dimensions: number;
}

/** text-embedding-3 puts clearly related passages around 0.5 cosine; hashed offline vectors far lower. */
export const OPENAI_FULL_RELEVANCE_AT = 0.5;

export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const load = lazyClient(options);
  return {
    info: { name: 'openai', offline: false, model: options.model },
    dimensions: options.dimensions,
    fullRelevanceAt: OPENAI_FULL_RELEVANCE_AT,
    async embed(texts: string[], opts?: { signal?: AbortSignal }): Promise<Embeddings> {
      if (texts.length === 0) return { vectors: [], model: options.model, usage: { inputTokens: 0 }, offline: false };
      const what = `embedding ${texts.length} text${texts.length === 1 ? '' : 's'} (${options.model})`;
      const { client, sdk } = await load();
      let response;
      try {
        // text-embedding-ada-002 does not take dimensions
        const dimensions = options.model.startsWith('text-embedding-3') ? options.dimensions : undefined;
        response = await client.embeddings.create({ model: options.model, input: texts, dimensions }, { signal: opts?.signal });
      } catch (error) {
        throw mapOpenAiError(error, what, options.apiKey, sdk);
      }
      const requestId = (response as { _request_id?: string | null })._request_id ?? undefined;
      const data = [...response.data].sort((a, b) => a.index - b.index);
      if (data.length !== texts.length) {
        throw new ProviderError(`openai: ${what} returned ${data.length} vectors for ${texts.length} texts; it will be retried`, { provider: 'openai', requestId, retryable: true });
      }
      const vectors = data.map((item) => {
        const raw = item.embedding as unknown as ArrayLike<number>;
        if (raw.length !== options.dimensions) {
          throw new ProviderError(
            `openai: ${what} returned vectors of ${raw.length} dimensions, EMBEDDING_DIM is ${options.dimensions}; set EMBEDDING_DIM to match the model (the vector columns are sized at first migration)`,
            { provider: 'openai', requestId, retryable: false },
          );
        }
        let norm = 0;
        for (let i = 0; i < raw.length; i++) norm += raw[i]! * raw[i]!;
        norm = Math.sqrt(norm) || 1;
        return Array.from(raw, (v) => v / norm);
      });
      return { vectors, model: options.model, usage: { inputTokens: response.usage?.prompt_tokens ?? 0 }, offline: false };
    },
  };
}
