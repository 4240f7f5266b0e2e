/**
 * The one object the operator console sees (docs/console.md). The UI renders `ConsoleSnapshot`s
 * and calls the actions; it never touches storage or providers. `src/app/app.ts` builds the real
 * implementation; tests hand the UI a fake.
 *
 * A snapshot is read in one go per refresh, from indexed queries and rollups, so a refresh costs a few
 * milliseconds of database time however large the tables are.
 */
import type { BudgetCategory, DatabaseMode, Level, Stage, Status } from './types.js';

export interface CategoryView {
  name: BudgetCategory | 'total';
  allocatedCents: number;
  spentCents: number;
  reservedCents: number;
  usagePct: number;
  level: Level;
}

export interface BudgetView {
  cycleId: string;
  cycleStart: Date;
  level: Level;
  total: CategoryView;
  categories: CategoryView[];
  burnRateCentsPerHour: number;
  /** null when nothing burns */
  projectedCapAt: Date | null;
  emergencyShutdown: boolean;
  circuitBreakerActive: boolean;
  shutdownReason: string | null;
}

export interface ServiceView {
  name: string;
  level: Level;
  reason: string;
  latencyMs?: number;
  offline?: boolean;
  checkedAt?: Date;
  /**
   * Read with every refresh rather than by the health check (the budget row): as old as the data itself,
   * so it carries no `checkedAt` (a time that moved with every read made every snapshot differ and the
   * whole screen render every second).
   */
  live?: boolean;
}

export interface KpiView {
  name: string;
  unit: string;
  value: number | null;
  target: string;
  level: Level;
  /** recent values, oldest first, for a sparkline */
  history: number[];
}

export interface StuckIdeaView {
  /**
   * Why it is listed: stuck (too long in its stage or leases lapsed), parked for an operator, or waiting on
   * budget; `active` (a stage's list only, `stageIdeas`): in its stage with nothing wrong.
   */
  kind?: 'stuck' | 'parked' | 'waiting' | 'active';
  id: string;
  title: string;
  stage: Stage;
  status: Status;
  /** ms in the current stage */
  heldForMs: number;
  reason: string;
}

export interface PipelineView {
  stages: Array<{ stage: Stage; count: number }>;
  statuses: Array<{ status: Status; count: number }>;
  /** Ideas a worker holds right now (claimed, with a live lease). */
  processing: number;
  /** Active ideas due or waiting for their next attempt, held by nobody (not parked, not waiting on budget). */
  queued?: number;
  waitingOnBudget: number;
  parked: number;
  /** Stuck ideas, then the parked and budget-waiting ones (`kind` says which): what an operator acts on. */
  stuck: StuckIdeaView[];
  completedLast24h: number;
}

export interface JobView {
  name: string;
  schedule: string;
  paused: boolean;
  running: boolean;
  lastRunAt: Date | null;
  lastStatus: string | null;
  lastDurationMs: number | null;
  nextRunAt: Date | null;
  lastError?: string | null;
  progress?: string | null;
}

export interface IncidentView {
  id: number;
  severity: 'P1' | 'P2' | 'P3' | 'P4';
  title: string;
  source: string;
  status: 'open' | 'acknowledged' | 'resolved';
  openedAt: Date;
  count: number;
}

export interface LogLineView {
  time: Date;
  level: string;
  msg: string;
  scope?: string;
  /** The line's structured fields (idea, stage, attempt, job, …), shown in its detail. */
  fields?: Record<string, string | number | boolean | null>;
}

/** The ideas in one stage (drill-down from a stage's count in the Pipeline panel). */
export interface StageIdeasView {
  stage: Stage;
  /** All ideas in the stage; `ideas` is cut at the limit asked for. */
  total: number;
  /** Parked, waiting and stuck ones first, then the rest, each group longest in the stage first. */
  ideas: StuckIdeaView[];
}

export interface ConsoleSnapshot {
  takenAt: Date;
  /** How long reading this snapshot took, for the footer. */
  readMs: number;
  header: {
    systemLevel: Level;
    mode: DatabaseMode;
    location: string;
    operator: string;
    sshClient?: string;
    readOnly: boolean;
    schedulerHosted: boolean;
    /**
     * Set when no scheduler can run at all and the operator must know: a read-only console holding the
     * embedded database (no other process can open it), with what it has cost so far.
     */
    schedulerNote?: string;
    /** The data is made up (`studio console --demo`); the header says DEMO. */
    demo?: boolean;
    /** Embedded mode: who owns the database (this console or another process) and how many connect to it. */
    owner?: { pid: number; command: string; since: Date; clients: number; self: boolean };
  };
  budget: BudgetView;
  services: ServiceView[];
  kpis: KpiView[];
  pipeline: PipelineView;
  jobs: JobView[];
  incidents: IncidentView[];
  /**
   * Counts from the database (the list above is cut at its limit): incidents not resolved, per severity,
   * and those resolved in the last 24 h.
   */
  incidentCounts?: { open: Record<IncidentView['severity'], number>; resolved24h: number };
  logs: LogLineView[];
}

export interface IdeaDetailView {
  id: string;
  title: string;
  description: string;
  category: string;
  stage: Stage;
  status: Status;
  progress: number;
  createdAt: Date;
  updatedAt: Date;
  history: Array<{ at: Date; from: string | null; to: string; actor: string; reason: string | null }>;
  spendCents: number;
  artifacts: string[];
}

export interface ResetPreview {
  ideaId: string;
  fromStage: Stage;
  toStage: Stage;
  /** Stages that will run again. */
  rerun: Stage[];
  /** What re-running them is estimated to cost. */
  estimatedCents: number;
}

export interface ActionResult {
  ok: boolean;
  message: string;
}

export interface ConsoleApi {
  snapshot(): Promise<ConsoleSnapshot>;
  /**
   * What happened since this operator's last console session ended (null on first use), shown after
   * "While you were away": `(since 11-28 04:10 UTC, 21 min): 2 incident(s) opened, …`.
   */
  awaySummary(): Promise<string | null>;

  ideaDetail(id: string): Promise<IdeaDetailView>;
  jobHistory(
    name: string,
    limit?: number,
  ): Promise<
    Array<{
      scheduledFor: Date;
      status: string;
      durationMs: number | null;
      error: string | null;
      host: string;
      /** schedule, manual (run now) or catch-up */
      trigger?: string;
      operator?: string | null;
      /** What the run reported (its output, short). */
      summary?: string | null;
    }>
  >;
  incidentTimeline(id: number): Promise<Array<{ at: Date; kind: string; message: string; actor?: string }>>;
  /** The ideas in `stage`, with status, time in the stage and what holds them (at most `limit`, default 200). */
  stageIdeas(stage: Stage, limit?: number): Promise<StageIdeasView>;
  budgetByOperation(): Promise<Array<{ service: string; operation: string; category: string; calls: number; cents: number }>>;

  previewReset(ideaId: string, toStage: Stage): Promise<ResetPreview>;
  resetIdea(ideaId: string, toStage: Stage): Promise<ActionResult>;
  /** Move an idea one stage forward (DOMAIN.md's allowed moves), audited. */
  advanceIdea(ideaId: string, toStage: Stage): Promise<ActionResult>;
  /** Needs the typed confirmation word and a reason. */
  resumeBudget(reason: string): Promise<ActionResult>;
  runJob(name: string, onProgress?: (message: string) => void): Promise<ActionResult>;
  pauseJob(name: string): Promise<ActionResult>;
  resumeJob(name: string): Promise<ActionResult>;
  pauseAllCampaigns(reason: string): Promise<ActionResult>;
  backupNow(onProgress?: (message: string) => void): Promise<ActionResult>;
  ackIncident(id: number): Promise<ActionResult>;
  resolveIncident(id: number, note: string): Promise<ActionResult>;
  runHealthCheck(): Promise<ActionResult>;
  close(): Promise<void>;
}
