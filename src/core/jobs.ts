/**
 * What a scheduled job is, as every module that contributes one declares it. The scheduler (src/jobs/)
 * owns running them: once per slot across hosts, timeouts, retries, catch-up, history, dead-man alerts.
 * Modules export factories returning `JobDefinition[]`; the composition root hands them to the registry.
 */
import type { Logger } from './logger.js';

export type CatchUpPolicy = 'none' | 'latest' | 'all';

export interface JobContext {
  /** Aborted when the run passes its timeout or the scheduler shuts down: stop promptly. */
  signal: AbortSignal;
  logger: Logger;
  /** The slot this run is for (for a manual run, the time it was asked for). */
  scheduledFor: Date;
  /** 1 for the first try of the slot, then 2, 3 ... on retries. */
  attempt: number;
  /** true when an operator asked for it (jobs run NAME, a console hotkey). */
  manual: boolean;
  /** Report progress for long work (shown by jobs list and the console). */
  progress(message: string): void;
  /**
   * Say what the run is doing right now, in memory only (no database write): shown while the scheduler
   * stops (`stopping: pipeline.tick (RESEARCH "…")`) and in its stop log. null when between pieces of work.
   */
  activity?(what: string | null): void;
}

export interface JobDefinition {
  name: string;
  description: string;
  /** Cron pattern (croner syntax, seconds optional). */
  schedule: string;
  /** IANA time zone for the pattern. @default 'UTC' */
  timezone?: string;
  /** Abort the run after this long. @default 600_000 (10 min) */
  timeoutMs?: number;
  /** Retries of a failed run, with capped exponential backoff. @default 0 */
  retries?: number;
  /** After downtime: run no missed slots, the latest one, or all of them (bounded by catchUpLimit). @default 'latest' */
  catchUp?: CatchUpPolicy;
  /** @default 10 */
  catchUpLimit?: number;
  /** A failure of a critical job raises an incident. @default false */
  critical?: boolean;
  /** What one run may spend, in cents, when it spends. */
  costEstimateCents?: number;
  /**
   * Run each slot once on every host instead of once across all hosts (work on local files, such as log
   * rotation). The slot row is keyed `name@host`. @default false
   */
  perHost?: boolean;
  /**
   * Its work is safe to interrupt and resumes by itself (the pipeline's stage runs: charges replay under
   * their keys, leases are handed back): a stopping scheduler aborts it at once instead of waiting for
   * SCHEDULER_SHUTDOWN_GRACE. The run gets a moment after the abort to record where it stopped.
   * @default false
   */
  interruptible?: boolean;
  /** The work. Returns a short summary (or a JSON-able object) stored on the run row. */
  run(context: JobContext): Promise<string | Record<string, unknown> | void>;
}
