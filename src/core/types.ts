/**
 * studio's glossary and domain types.
 *
 * - **idea**: a submitted startup idea; it moves through the stages below, one at a time.
 * - **stage**: where an idea is in the pipeline (IDEATE ... COMPLETE). A stage *run* is one attempt at it.
 * - **status**: the idea's life-cycle state, set on entering a stage (see docs/domain.md).
 * - **gate**: the quality check that ends a stage run; a failed gate retries with backoff, then parks.
 * - **cycle**: one budget period; every charge belongs to exactly one cycle.
 * - **category**: a budget bucket (openai_tokens, google_ads, infrastructure, external_apis).
 * - **reservation**: money held in the ledger before a paid call; *settled* to the actual cost after it,
 *   or *released*. Amounts are integer cents, never binary floats.
 * - **level**: HEALTHY / WARNING / CRITICAL / EMERGENCY, for a budget category, a service, or the system.
 * - **slot**: one scheduled firing of a job (job name + scheduled time); it runs at most once across hosts.
 * - **incident**: a P1-P4 record of something wrong, with a dedup key, a timeline, ack and resolve.
 * - **operator**: the person at the keyboard (OS user and SSH client), named in the audit log.
 */
import { InternalError } from './errors.js';

export const STAGES = ['IDEATE', 'RESEARCH', 'DECK', 'INVESTORS', 'MVP', 'SMOKE_TEST', 'COMPLETE'] as const;
export type Stage = (typeof STAGES)[number];

export const STATUSES = [
  'DRAFT',
  'VALIDATING',
  'VALIDATED',
  'REJECTED',
  'RESEARCHING',
  'BUILDING',
  'TESTING',
  'DEPLOYED',
  /** Finished the pipeline, but its smoke test did not succeed (a market answer, not a deployment). */
  'SMOKE_TEST_FAILED',
  'ARCHIVED',
] as const;
export type Status = (typeof STATUSES)[number];

/** The status an idea takes when it enters each stage. */
export const STAGE_STATUS: Record<Stage, Status> = {
  IDEATE: 'DRAFT',
  RESEARCH: 'RESEARCHING',
  DECK: 'BUILDING',
  INVESTORS: 'VALIDATING',
  MVP: 'BUILDING',
  SMOKE_TEST: 'TESTING',
  COMPLETE: 'DEPLOYED',
};

export const CATEGORIES = [
  'fintech',
  'healthtech',
  'edtech',
  'saas',
  'ecommerce',
  'ai_ml',
  'blockchain',
  'consumer',
  'enterprise',
  'marketplace',
  'uncategorized',
] as const;
export type IdeaCategory = (typeof CATEGORIES)[number];

/** What an idea says about itself once intake has cleaned it: what is stored beside its pipeline state. */
export interface IdeaFields {
  title: string;
  description: string;
  category: IdeaCategory;
  problem: string | null;
  solution: string | null;
  market: string | null;
  evidenceLinks: string[];
  createdBy: string;
}

export const BUDGET_CATEGORIES = ['openai_tokens', 'google_ads', 'infrastructure', 'external_apis'] as const;
export type BudgetCategory = (typeof BUDGET_CATEGORIES)[number];

export const LEVELS = ['HEALTHY', 'WARNING', 'CRITICAL', 'EMERGENCY'] as const;
export type Level = (typeof LEVELS)[number];

/** The worse of two levels (EMERGENCY is the worst). */
export function worstLevel(...levels: Level[]): Level {
  let worst = 0;
  for (const level of levels) worst = Math.max(worst, LEVELS.indexOf(level));
  return LEVELS[worst] ?? 'HEALTHY';
}

/** Which database studio runs on: PGlite in-process, or a PostgreSQL server. */
export type DatabaseMode = 'embedded' | 'server';

/** Ends an exhaustive `switch`: the compiler proves every case of a union was handled. */
export function checkExhaustive(value: never, what = 'value'): never {
  throw new InternalError(`unexpected ${what}: ${String(value)}`);
}
