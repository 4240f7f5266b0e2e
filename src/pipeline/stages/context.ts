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
import type { BudgetCategory, Stage } from '../../core/types.js';
import type { Database } from '../../core/ports.js';
import type { GenerateOptions, Generated, IdeaBrief, Providers } from '../../core/providers.js';
import type { IdeaRow } from '../../storage/ideas.js';
import type { Sentinel } from '../budget/sentinel.js';
import { costCents, estimateChatCents, roughTokens } from '../budget/pricing.js';

export interface StageDeps {
  db: Database;
  budget: Sentinel;
  providers: Providers;
  config: Config;
  clock: Clock;
  logger: Logger;
}

export type StageOutcome =
  /** The gate passed: on to the next stage. */
  | { kind: 'passed'; outputs: Record<string, unknown>; summary: string }
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

  const charge: StageContext['charge'] = (step, request, call) =>
    deps.budget.guard(
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
        const out = await call();
        if (!reservation.replayed) spent += out.actualCents;
        return out;
      },
    );

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
    generate(step, operation, input, maxOutputTokens, call) {
      const model = text.info.model;
      const estimate = estimateChatCents(model, roughTokens(JSON.stringify(input)) + 200, maxOutputTokens);
      return deps.budget.guard(
        {
          category: 'openai_tokens',
          service: text.info.offline ? 'offline' : 'openai',
          operation,
          estimateCents: estimate,
          idempotencyKey: `${runKey}:${step}`,
          critical: run.critical,
          ideaId: idea.id,
          metadata: { stage, attempt, model, offline: text.info.offline },
        },
        async (reservation) => {
          const useModel = reservation.level === 'CRITICAL' || reservation.level === 'EMERGENCY' ? text.info.cheapModel : model;
          const out = await call({ model: useModel, attempt, signal: run.signal });
          const actual = costCents(out.model, out.usage);
          if (!reservation.replayed) spent += actual;
          return { result: out, actualCents: actual };
        },
      );
    },
    async embed(step, texts) {
      const model = embedder.info.model;
      const estimate = costCents(model, { inputTokens: texts.reduce((s, t) => s + Math.ceil(t.length / 3), 0) });
      return charge(step, { category: 'openai_tokens', service: embedder.info.offline ? 'offline' : 'openai', operation: `${stage.toLowerCase()}.embed`, estimateCents: estimate, metadata: { model, offline: embedder.info.offline } }, async () => {
        const out = await embedder.embed(texts, { signal: run.signal });
        return { result: out.vectors, actualCents: costCents(out.model, { inputTokens: out.usage.inputTokens }) };
      });
    },
    charge,
    artifactDir() {
      const dir = join(deps.config.paths.artifacts, idea.id);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}
