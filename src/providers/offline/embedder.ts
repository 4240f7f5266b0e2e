/**
 * Offline embeddings: feature hashing of word unigrams and bigrams into the configured number of
 * dimensions, signed, L2-normalised. Texts that share words get similar vectors (cosine tracks word
 * overlap), so duplicate detection and retrieval behave sensibly without a model. Usage is reported for
 * the configured embedding model, so the budget carries a shadow cost.
 */
import type { Embedder, Embeddings } from '../../core/providers.js';
import { fnv1a, words } from './hashing.js';

export function hashedEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const tokens = words(text);
  const add = (feature: string, weight: number) => {
    const hash = fnv1a(feature);
    const index = hash % dimensions;
    vector[index]! += (hash & 0x80000000 ? -1 : 1) * weight;
  };
  for (let i = 0; i < tokens.length; i++) {
    add(tokens[i]!, 1);
    if (i + 1 < tokens.length) add(`${tokens[i]} ${tokens[i + 1]}`, 0.5);
  }
  if (tokens.length === 0) add('\u0000empty', 1);
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  return vector.map((value) => value / norm);
}

export function createOfflineEmbedder(options: { model: string; dimensions: number }): Embedder {
  return {
    info: { name: 'offline-embeddings', offline: true, model: options.model },
    dimensions: options.dimensions,
    fullRelevanceAt: 0.25,
    async embed(texts: string[]): Promise<Embeddings> {
      const vectors = texts.map((text) => hashedEmbedding(text, options.dimensions));
      const inputTokens = texts.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
      return { vectors, model: options.model, usage: { inputTokens }, offline: true };
    },
  };
}
