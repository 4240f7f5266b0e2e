/** A JSON POST with a timeout that turns failures into ProviderError (retryable on 429, 5xx and network errors). */
import { ProviderError, toError } from '../../core/errors.js';
import { redactText } from '../../core/redact.js';

export async function postJson(provider: string, url: string, body: unknown, options: { timeoutMs: number; signal?: AbortSignal; fetch?: typeof fetch }): Promise<string> {
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    const err = toError(error);
    throw new ProviderError(`${provider}: could not deliver (${redactText(err.message)}); will retry`, { provider, retryable: true, cause: err });
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    const retryable = response.status === 429 || response.status >= 500;
    throw new ProviderError(`${provider}: answered HTTP ${response.status}${text ? ` (${redactText(text.slice(0, 120))})` : ''}`, {
      provider,
      status: response.status,
      retryable,
    });
  }
  return text;
}

/** scheme://host[:port] of a URL, for records and output (never the path, which may be the secret). */
export function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'invalid url';
  }
}
