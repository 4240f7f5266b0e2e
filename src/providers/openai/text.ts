/**
 * OpenAI text generation: one chat completion per method with structured output (a strict JSON schema),
 * the answer parsed and validated with zod at the edge. A malformed answer is a retryable ProviderError
 * (a retry may well answer right); usage comes from the response and is priced by the stage.
 */
import { mapStrings, stripControls } from '../../core/terminal-text.js';
import type { z } from 'zod';
import { ProviderError } from '../../core/errors.js';
import type { GenerateOptions, Generated, TextGenerator } from '../../core/providers.js';
import { lazyClient, mapOpenAiError, type OpenAiClientOptions } from './client.js';
import type { SchemaName } from './schemas.js';

export interface OpenAiTextOptions extends OpenAiClientOptions {
  model: string;
  /** Used at budget CRITICAL (the stage passes it as options.model). @default model */
  cheapModel?: string;
  /** Output token cap per call. @default 2000 */
  maxOutputTokens?: number;
}

const SYSTEM =
  'You are the analyst of a venture studio. Answer only with JSON matching the schema. Be concrete and ' +
  'honest: use only facts from the input, cite evidence by its ref number, and never invent figures.';

const TASKS: Record<SchemaName, string> = {
  research_summary: 'Summarise the evidence for this idea: a short summary citing refs as [n], the market size as stated in the evidence (with its [n]) or "Not quantified in the evidence", and 2-4 key risks.',
  deck: 'Write a 10-slide pitch deck: Title, Problem, Solution, Market size, Business model, Traction, Competition, Team, Financials, Funding ask. Each body is markdown bullets; cite evidence as [n] and list the refs cited in citations.',
  investor_scores: 'Score the pitch as a {profile} investor from 0 to 1 on team, market, product_solution, business_model and pitch_quality; give short notes on what drove the scores.',
  landing_copy: 'Write landing page copy for an early-access signup: headline, subheadline, 3 bullets, call to action.',
  ad_copy: 'Write Google responsive search ad copy: exactly 3 headlines of at most 30 characters, 3 descriptions of at most 90 characters, and 5 keywords.',
};

export function createOpenAiTextGenerator(options: OpenAiTextOptions): TextGenerator {
  const load = lazyClient(options);
  const cheapModel = options.cheapModel ?? options.model;

  /**
   * One generation. A malformed answer (not JSON, or not the schema) is asked again, up to maxRetries
   * times, like the SDK retries a 429 or a 500; every answer is billed, so the usage returned (or carried
   * by the final error) is the sum over the tries.
   */
  async function call<T>(name: SchemaName, task: string, input: unknown, opts: GenerateOptions | undefined): Promise<Generated<T>> {
    const total = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
    const add = (u: { inputTokens: number; cachedInputTokens?: number; outputTokens: number }) => {
      total.inputTokens += u.inputTokens;
      total.cachedInputTokens += u.cachedInputTokens ?? 0;
      total.outputTokens += u.outputTokens;
    };
    const model = opts?.model ?? options.model;
    for (let tried = 0; ; tried++) {
      try {
        const out = await once<T>(name, task, input, opts);
        add(out.usage);
        return { ...out, usage: { ...total } };
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        if (error.billed) add(error.billed);
        const again = error.billed !== undefined && error.retryable && tried < (options.maxRetries ?? 2);
        if (again) {
          options.logger?.warn({ provider: 'openai', schema: name, tried: tried + 1 }, 'openai: malformed answer, asking again');
          continue;
        }
        if (total.inputTokens + total.outputTokens === 0) throw error;
        throw new ProviderError(error.message, { provider: 'openai', status: error.status, requestId: error.requestId, retryable: error.retryable, billed: { model, ...total }, cause: error });
      }
    }
  }

  async function once<T>(name: SchemaName, task: string, input: unknown, opts: GenerateOptions | undefined): Promise<Generated<T>> {
    const model = opts?.model ?? options.model;
    const what = `${name.replace('_', ' ')} (${model})`;
    const started = performance.now();
    const { client, sdk } = await load();
    // zod and the schemas load with the first call, like the SDK: commands that generate nothing skip them
    const { SCHEMAS } = await import('./schemas.js');
    let response;
    try {
      response = await client.chat.completions.create(
        {
          model,
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: `${task}\n\nInput:\n${JSON.stringify(input)}` },
          ],
          response_format: { type: 'json_schema', json_schema: { name, strict: true, schema: SCHEMAS[name].json as Record<string, unknown> } },
          max_completion_tokens: options.maxOutputTokens ?? 2000,
        },
        { signal: opts?.signal },
      );
    } catch (error) {
      throw mapOpenAiError(error, what, options.apiKey, sdk);
    }
    const latencyMs = Math.round(performance.now() - started);
    const choice = response.choices[0];
    const requestId = (response as { _request_id?: string | null })._request_id ?? undefined;
    const usage = {
      inputTokens: response.usage?.prompt_tokens ?? 0,
      cachedInputTokens: response.usage?.prompt_tokens_details?.cached_tokens ?? 0,
      outputTokens: response.usage?.completion_tokens ?? 0,
    };
    // an answer we cannot use was still billed: the error carries its usage so the budget charges it
    const billed = { model, ...usage };
    if (choice?.message.refusal) {
      throw new ProviderError(`openai: ${what} was refused by the model: ${choice.message.refusal.slice(0, 200)}`, { provider: 'openai', requestId, retryable: false, billed });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(choice?.message.content ?? '');
    } catch {
      throw new ProviderError(`openai: ${what} answered with text that is not JSON${choice?.finish_reason === 'length' ? ' (cut off at the token limit)' : ''}; it will be retried`, { provider: 'openai', requestId, retryable: true, billed });
    }
    const checked = (SCHEMAS[name].zod as z.ZodType).safeParse(parsed);
    if (!checked.success) {
      const problems = checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new ProviderError(`openai: ${what} answered JSON that does not match the schema (${problems}); it will be retried`, { provider: 'openai', requestId, retryable: true, billed });
    }
    return {
      // model answers are stored and printed: their controls go here, once (terminal-text.ts)
      value: mapStrings(checked.data as T, stripControls),
      // priced by the requested name: the response's dated snapshot name maps to the same price
      model,
      usage,
      latencyMs,
      offline: false,
    };
  }

  return {
    info: { name: 'openai', offline: false, model: options.model, cheapModel },
    summarizeResearch: (input, opts) => call('research_summary', TASKS.research_summary, input, opts),
    writeDeck: (input, opts) => call('deck', TASKS.deck, input, opts),
    scoreInvestors: (input, opts) => call('investor_scores', TASKS.investor_scores.replace('{profile}', input.profile), input, opts),
    writeLanding: (input, opts) => call('landing_copy', TASKS.landing_copy, input, opts),
    writeAdCopy: (input, opts) => call('ad_copy', TASKS.ad_copy, input, opts),
  };
}
