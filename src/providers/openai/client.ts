/**
 * The shared part of the OpenAI provider: the SDK client (imported lazily: `openai` costs ~60 ms to
 * load, and offline runs never need it) and the mapping of SDK errors into our `ProviderError`.
 * The key is never put in a message: everything that leaves here goes through `redactText`, with the
 * configured key as an extra secret.
 */
import type OpenAIClient from 'openai';
import { ProviderError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { redactText } from '../../core/redact.js';

export interface OpenAiClientOptions {
  apiKey: string;
  /** An OpenAI-compatible endpoint; default the SDK's (https://api.openai.com/v1). */
  baseURL?: string;
  /** Per-request timeout, ms. @default 60000 */
  timeoutMs?: number;
  /** SDK retries on 408/409/429/5xx and connection errors; it honours Retry-After. @default 2 */
  maxRetries?: number;
  logger?: Logger;
}

type Sdk = typeof OpenAIClient;
export interface LoadedClient {
  client: OpenAIClient;
  /** The SDK's class, for its error classes (instanceof survives bundling, class names may not). */
  sdk: Sdk;
}

/** A lazily built client: the SDK is imported on the first call. */
export function lazyClient(options: OpenAiClientOptions): () => Promise<LoadedClient> {
  let loaded: Promise<LoadedClient> | undefined;
  return () => {
    loaded ??= import('openai').then(({ default: OpenAI }) => ({
      sdk: OpenAI,
      client: new OpenAI({
        apiKey: options.apiKey,
        baseURL: options.baseURL,
        timeout: options.timeoutMs ?? 60_000,
        maxRetries: options.maxRetries ?? 2,
        // the SDK's own messages go to our log (redacted), never to the console (an Ink screen)
        logLevel: options.logger ? 'warn' : 'off',
        logger: options.logger ? sdkLogger(options.logger, options.apiKey) : undefined,
      }),
    }));
    return loaded;
  };
}

function sdkLogger(logger: Logger, apiKey: string) {
  const line = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string) => logger[level]({ provider: 'openai' }, redactText(`openai sdk: ${message}`, [apiKey]));
  return { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug') };
}

/** Whether a status is worth trying again (rate limits, timeouts, server errors). */
export function retryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}


/**
 * Any error from an SDK call as a ProviderError: status, request id, retryable for 429/5xx/timeouts and
 * connection errors, not for 400/401/403/404. Our own ProviderErrors pass through.
 */
export function mapOpenAiError(error: unknown, what: string, apiKey: string, sdk?: Sdk): ProviderError {
  if (error instanceof ProviderError) return error;
  const detail = redactText(error instanceof Error ? error.message : String(error), [apiKey]).slice(0, 300);
  const is = (cls: (new (...args: never[]) => unknown) | undefined) => cls !== undefined && error instanceof cls;
  const apiError = sdk && error instanceof sdk.APIError ? error : undefined;
  const requestId = apiError?.requestID ?? undefined;
  if (is(sdk?.APIUserAbortError) || (error instanceof Error && error.name === 'AbortError')) {
    return new ProviderError(`openai: ${what} was cancelled`, { provider: 'openai', retryable: false });
  }
  if (is(sdk?.APIConnectionTimeoutError)) {
    return new ProviderError(`openai: ${what} timed out (OPENAI_TIMEOUT); it will be retried — check the service status or raise the timeout`, { provider: 'openai', retryable: true });
  }
  if (is(sdk?.APIConnectionError)) {
    return new ProviderError(`openai: ${what} could not reach the API (${detail}); check OPENAI_BASE_URL and the network`, { provider: 'openai', retryable: true });
  }
  if (apiError && typeof apiError.status === 'number') {
    const status = apiError.status;
    const hint =
      status === 401 ? 'check OPENAI_API_KEY'
      : status === 403 ? 'the key lacks access to this model or endpoint'
      : status === 404 ? 'check OPENAI_MODEL / OPENAI_EMBEDDING_MODEL'
      : status === 429 ? 'rate limited or out of quota after the SDK retries; it will be retried later'
      : status >= 500 ? 'the service failed after the SDK retries; it will be retried later'
      : 'the request was refused';
    return new ProviderError(`openai: ${what} failed with HTTP ${status}${requestId ? ` (request ${requestId})` : ''}: ${detail}; ${hint}`, {
      provider: 'openai',
      status,
      requestId,
      retryable: retryableStatus(status),
    });
  }
  return new ProviderError(`openai: ${what} failed: ${detail}`, { provider: 'openai', retryable: false });
}
