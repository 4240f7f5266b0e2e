/**
 * What a stage run gets: the idea, its attempt and run key, the providers, and helpers that put every
 * paid call through the budget sentinel with the idempotency key `<idea>:<stage>:<attempt>:<step>`, so a
 * run resumed after a crash replays its charges instead of paying again.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { BudgetCategory, Stage, Status } from '../../core/types.js';
import type { Database, GuardOptions, Reservation } from '../../core/ports.js';
import { ProviderError, toError } from '../../core/errors.js';
import type { GenerateOptions, Generated, IdeaBrief, Providers } from '../../core/providers.js';
import type { IdeaRow } from '../../storage/ideas.js';
import type { Sentinel } from '../budget/sentinel.js';
import { costCents, estimateChatCents, estimateEmbeddingCents, roughTokens } from '../budget/pricing.js';
import { createResponseCache, type ResponseCache } from '../budget/cache.js';

export interface StageDeps {
  db: Database;
  budget: Sentinel;
  providers: Providers;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** Identical LLM and embedding requests answered from here cost nothing. @default one per database, from config */
  cache?: ResponseCache;
}

const caches = new WeakMap<Database, ResponseCache>();

/** The response cache of these deps: theirs, or one per database shared by every run in the process. */
export function cacheFor(deps: StageDeps): ResponseCache {
  if (deps.cache) return deps.cache;
  let cache = caches.get(deps.db);
  if (!cache) {
    const o = deps.config.openai;
    caches.set(deps.db, (cache = createResponseCache({ db: deps.db, enabled: o.cache, ttlMs: o.cacheTtlMs, size: o.cacheSize })));
  }
  return cache;
}

/**
 * Charge keys this process has seen settled, so a cache hit on its own answers needs no ledger round trip
 * (bounded: the oldest are forgotten, and then a hit just replays its charge).
 */
const settledHere = new Set<string>();
function noteSettled(key: string): void {
  settledHere.add(key);
  if (settledHere.size > 10_000) settledHere.delete(settledHere.values().next().value as string);
}

/** A cached answer with the charge of the call that produced it. */
interface Cached<T> {
  value: T;
  /** The idempotency key that call was charged under. */
  chargeKey: string;
  cents: number;
}

/** What a failed model call was still billed (a malformed answer), in cents. */
function billedCents(error: unknown): number {
  return error instanceof ProviderError && error.billed ? costCents(error.billed.model, error.billed) : 0;
}

export type StageOutcome =
  /** The gate passed: on to the next stage. */
  | { kind: 'passed'; outputs: Record<string, unknown>; summary: string; toStatus?: Status }
  /** The gate failed: retry with backoff, then park. */
  | { kind: 'failed'; outputs: Record<string, unknown>; reason: string }
  /** Not done yet and not failed (a campaign still running): try again at `inMs`. */
  | { kind: 'wait'; inMs: number; reason: string; outputs: Record<string, unknown>; progress: number };

export interface StageHandler {
  stage: Stage;
  /** Critical stages still run at budget CRITICAL (on the cheap model); the others wait. */
  critical: boolean;
  /** A rough cost of one run in cents, when there is no history to go by (reset previews). */
  typicalCents(config: Config): number;
  run(context: StageContext): Promise<StageOutcome>;
}

export interface StageContext extends StageDeps {
  idea: IdeaRow;
  brief: IdeaBrief;
  stage: Stage;
  attempt: number;
  /** `<idea>:<stage>:<attempt>` */
  runKey: string;
  worker: string;
  critical: boolean;
  signal?: AbortSignal;
  /** Cents this run settled so far (replayed charges are not counted again). */
  readonly spentCents: number;
  /** A text generation through the sentinel; at CRITICAL the cheap model is used. */
  generate<T>(step: string, operation: string, input: unknown, maxOutputTokens: number, call: (options: GenerateOptions) => Promise<Generated<T>>): Promise<Generated<T>>;
  /** Embeddings of a batch through the sentinel. */
  embed(step: string, texts: string[]): Promise<number[][]>;
  /** A charge of any kind through the sentinel, keyed by step. */
  charge<T>(step: string, request: { category: BudgetCategory; service: string; operation: string; estimateCents: number; metadata?: Record<string, unknown> }, call: () => Promise<{ result: T; actualCents: number }>): Promise<T>;
  /** `artifacts/<idea>/`, created. */
  artifactDir(): string;
}

export function briefOf(idea: IdeaRow): IdeaBrief {
  return {
    id: idea.id,
    title: idea.title,
    description: idea.description,
    category: idea.category,
    problem: idea.problem,
    solution: idea.solution,
    market: idea.market,
    evidenceLinks: idea.evidenceLinks,
  };
}

export function createStageContext(deps: StageDeps, run: { idea: IdeaRow; stage: Stage; attempt: number; worker: string; critical: boolean; signal?: AbortSignal }): StageContext {
  const { idea, stage, attempt } = run;
  const runKey = `${idea.id}:${stage}:${attempt}`;
  let spent = 0;
  const { text, embedder } = deps.providers;
  const cache = cacheFor(deps);
  // a paid answer is kept for next time; failing to keep it must not fail (and so release) a call that was billed
  const remember = <T>(kind: 'chat' | 'embedding', model: string, request: unknown, entry: Cached<T>) =>
    cache.put(kind, model, request, entry, entry.cents).catch((error) => deps.logger.warn({ err: error, idea: idea.id, stage }, 'pipeline: could not cache a response'));
  /**
   * A cached answer costs nothing again, but the call that paid for it must be on the ledger once: after a
   * crash between the call and its settlement (kill -9), its charge is recorded now under its own key.
   * When it was settled (the usual case) this is a replay and charges nothing.
   */
  const adopt = async <T>(entry: Cached<T>, service: string, operation: string) => {
    if (entry.cents <= 0 || !entry.chargeKey.startsWith(`${idea.id}:`) || settledHere.has(entry.chargeKey)) return;
    const recorded = await deps.budget.record({ category: 'openai_tokens', service, operation, idempotencyKey: entry.chargeKey, amountCents: entry.cents, ideaId: idea.id, metadata: { stage, attempt, cached: true } });
    if (!recorded.replayed) spent += entry.cents;
    noteSettled(entry.chargeKey);
  };
  const chargeFailed = (error: unknown, reservation: Reservation) => {
    const cents = billedCents(error);
    if (!reservation.replayed) spent += cents;
    return cents;
  };

  /** A paid step through the sentinel under `<run key>:<step>`; what it settles counts toward this run. */
  const guarded = <T>(
    step: string,
    request: Parameters<StageContext['charge']>[1],
    call: (reservation: Reservation) => Promise<{ result: T; actualCents: number }>,
    options?: GuardOptions,
  ): Promise<T> => {
    // a safe point: a stop asked for (the signal) ends the run before its next paid step, not after it
    if (run.signal?.aborted) return Promise.reject(toError(run.signal.reason ?? new Error('the run was aborted')));
    return deps.budget.guard(
      {
        category: request.category,
        service: request.service,
        operation: request.operation,
        estimateCents: request.estimateCents,
        idempotencyKey: `${runKey}:${step}`,
        critical: run.critical,
        ideaId: idea.id,
        metadata: { stage, attempt, ...request.metadata },
      },
      async (reservation) => {
        const out = await call(reservation);
        if (!reservation.replayed) spent += out.actualCents;
        return out;
      },
      options,
    );
  };
  const charge: StageContext['charge'] = (step, request, call) => guarded(step, request, () => call());

  return {
    ...deps,
    idea,
    brief: briefOf(idea),
    stage,
    attempt,
    runKey,
    worker: run.worker,
    critical: run.critical,
    signal: run.signal,
    get spentCents() {
      return spent;
    },
    async generate(step, operation, input, maxOutputTokens, call) {
      const model = text.info.model;
      const service = text.info.offline ? 'offline' : 'openai';
      // the attempt is part of the request: a retry after a failed gate must get a fresh answer
      const request = { operation, input, attempt };
      const cached = await cache.peek<Cached<Generated<never>>>('chat', model, request);
      if (cached) {
        await adopt(cached, service, operation);
        deps.logger.debug({ idea: idea.id, stage, step, model }, 'pipeline: answered from the response cache');
        return cached.value;
      }
      const estimate = estimateChatCents(model, roughTokens(JSON.stringify(input)) + 200, maxOutputTokens);
      const chargeKey = `${runKey}:${step}`;
      const answer = await guarded(
        step,
        { category: 'openai_tokens', service, operation, estimateCents: estimate, metadata: { model, offline: text.info.offline } },
        async (reservation) => {
          const useModel = reservation.level === 'CRITICAL' || reservation.level === 'EMERGENCY' ? text.info.cheapModel : model;
          const out = await call({ model: useModel, attempt, signal: run.signal });
          const actual = costCents(out.model, out.usage);
          // kept under the configured model: the answer to this request, whichever model gave it
          await remember('chat', model, request, { value: out, chargeKey, cents: actual });
          return { result: out, actualCents: actual };
        },
        { chargeOnError: chargeFailed },
      );
      noteSettled(chargeKey);
      return answer;
    },
    async embed(step, texts) {
      const model = embedder.info.model;
      const service = embedder.info.offline ? 'offline' : 'openai';
      const operation = `${stage.toLowerCase()}.embed`;
      const request = { texts, dimensions: embedder.dimensions };
      const cached = await cache.peek<Cached<number[][]>>('embedding', model, request);
      if (cached) {
        await adopt(cached, service, operation);
        return cached.value;
      }
      const estimate = estimateEmbeddingCents(model, texts);
      const chargeKey = `${runKey}:${step}`;
      const vectors = await charge(step, { category: 'openai_tokens', service, operation, estimateCents: estimate, metadata: { model, offline: embedder.info.offline } }, async () => {
        const out = await embedder.embed(texts, { signal: run.signal });
        const cents = costCents(out.model, { inputTokens: out.usage.inputTokens });
        await remember('embedding', model, request, { value: out.vectors, chargeKey, cents });
        return { result: out.vectors, actualCents: cents };
      });
      noteSettled(chargeKey);
      return vectors;
    },
    charge,
    artifactDir() {
      const dir = join(deps.config.paths.artifacts, idea.id);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}
