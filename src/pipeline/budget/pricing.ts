/**
 * The price table: what a model costs per 1M tokens, in one dated place. Prices are micro-dollars per
 * 1M tokens (integers), so cost arithmetic is exact; a call's cost is rounded *up* to the cent.
 * An unknown model is refused, never priced at zero.
 */
import { InvalidInputError } from '../../core/errors.js';

/** When these prices were taken from the providers' price pages. */
export const PRICES_AS_OF = '2026-11-01';

export interface ModelPrice {
  kind: 'chat' | 'embedding';
  /** micro-dollars per 1M input tokens */
  input: number;
  /** micro-dollars per 1M cached input tokens */
  cachedInput: number;
  /** micro-dollars per 1M output tokens */
  output: number;
}

const M = 1_000_000; // $1 in micro-dollars

export const PRICES: Record<string, ModelPrice> = {
  'gpt-4o-mini': { kind: 'chat', input: 0.15 * M, cachedInput: 0.075 * M, output: 0.6 * M },
  'gpt-4o': { kind: 'chat', input: 2.5 * M, cachedInput: 1.25 * M, output: 10 * M },
  'gpt-4.1': { kind: 'chat', input: 2 * M, cachedInput: 0.5 * M, output: 8 * M },
  'gpt-4.1-mini': { kind: 'chat', input: 0.4 * M, cachedInput: 0.1 * M, output: 1.6 * M },
  'gpt-4.1-nano': { kind: 'chat', input: 0.1 * M, cachedInput: 0.025 * M, output: 0.4 * M },
  'gpt-5-mini': { kind: 'chat', input: 0.25 * M, cachedInput: 0.025 * M, output: 2 * M },
  'text-embedding-3-small': { kind: 'embedding', input: 0.02 * M, cachedInput: 0.02 * M, output: 0 },
  'text-embedding-3-large': { kind: 'embedding', input: 0.13 * M, cachedInput: 0.13 * M, output: 0 },
  'text-embedding-ada-002': { kind: 'embedding', input: 0.1 * M, cachedInput: 0.1 * M, output: 0 },
};

export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens?: number;
  outputTokens?: number;
}

export function priceOf(model: string): ModelPrice {
  const price = PRICES[model] ?? PRICES[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
  if (!price) {
    throw new InvalidInputError(`pricing: no price for model "${model}" (prices as of ${PRICES_AS_OF}); add it to src/pipeline/budget/pricing.ts or pick one of ${Object.keys(PRICES).join(', ')}`);
  }
  return price;
}

/** Cost of a call in cents, rounded up (a call that costs anything costs at least a cent). */
export function costCents(model: string, usage: TokenUsage): number {
  const price = priceOf(model);
  const cached = BigInt(Math.max(0, usage.cachedInputTokens ?? 0));
  const uncached = BigInt(Math.max(0, usage.inputTokens - Number(cached)));
  const micro =
    uncached * BigInt(price.input) + cached * BigInt(price.cachedInput) + BigInt(Math.max(0, usage.outputTokens ?? 0)) * BigInt(price.output);
  // micro is micro-dollars x 1M tokens; one cent is 10,000 micro-dollars
  const divisor = 1_000_000n * 10_000n;
  return Number((micro + divisor - 1n) / divisor);
}

/** The most a chat call can cost: its prompt plus the whole output allowance. */
export function estimateChatCents(model: string, promptTokens: number, maxOutputTokens: number): number {
  return costCents(model, { inputTokens: promptTokens, outputTokens: maxOutputTokens });
}

/** The most embedding these texts can cost (3 characters a token, rounded up: generous on purpose). */
export function estimateEmbeddingCents(model: string, texts: readonly string[]): number {
  return costCents(model, { inputTokens: texts.reduce((sum, t) => sum + Math.ceil(t.length / 3), 0) });
}

/** A rough token count (4 characters a token, rounded up), for estimates before a call. */
export function roughTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
