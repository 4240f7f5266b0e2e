/**
 * SQL of ideas: intake, reads and lists, duplicate search over pgvector (HNSW, cosine), stage history.
 * The orchestrator's claims and stage transitions are in idea-claims.ts, the roll-ups the console and
 * health checks read in idea-rollups.ts.
 */
import type { Queryable } from '../core/ports.js';
import type { IdeaCategory, IdeaFields, Stage, Status } from '../core/types.js';

export interface IdeaRow {
  id: string;
  title: string;
  description: string;
  category: IdeaCategory;
  status: Status;
  currentStage: Stage;
  stageProgress: number;
  problem: string | null;
  solution: string | null;
  market: string | null;
  evidenceLinks: string[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  stageEnteredAt: Date;
  outputs: Record<string, unknown>;
  lockedBy: string | null;
  leaseUntil: Date | null;
  leaseLapses: number;
  attempt: number;
  nextAttemptAt: Date;
  parkedReason: string | null;
  waitingOnBudget: string | null;
  lastError: string | null;
  completedAt: Date | null;
}

/** The columns of an IdeaRow (shared with idea-claims.ts, whose claim returns whole rows). */
export const COLUMNS = `id, title, description, category, status, current_stage, stage_progress, problem_statement, solution_description,
  target_market, evidence_links, created_by, created_at, updated_at, stage_entered_at, outputs, locked_by, lease_until, lease_lapses,
  attempt, next_attempt_at, parked_reason, waiting_on_budget, last_error, completed_at`;

export type Raw = {
  id: string;
  title: string;
  description: string;
  category: IdeaCategory;
  status: Status;
  current_stage: Stage;
  stage_progress: number;
  problem_statement: string | null;
  solution_description: string | null;
  target_market: string | null;
  evidence_links: string[];
  created_by: string;
  created_at: Date;
  updated_at: Date;
  stage_entered_at: Date;
  outputs: Record<string, unknown>;
  locked_by: string | null;
  lease_until: Date | null;
  lease_lapses: number;
  attempt: number;
  next_attempt_at: Date;
  parked_reason: string | null;
  waiting_on_budget: string | null;
  last_error: string | null;
  completed_at: Date | null;
};

export const toIdea = (r: Raw): IdeaRow => ({
  id: r.id,
  title: r.title,
  description: r.description,
  category: r.category,
  status: r.status,
  currentStage: r.current_stage,
  stageProgress: Number(r.stage_progress),
  problem: r.problem_statement,
  solution: r.solution_description,
  market: r.target_market,
  evidenceLinks: r.evidence_links ?? [],
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  stageEnteredAt: r.stage_entered_at,
  outputs: r.outputs ?? {},
  lockedBy: r.locked_by,
  leaseUntil: r.lease_until,
  leaseLapses: r.lease_lapses,
  attempt: r.attempt,
  nextAttemptAt: r.next_attempt_at,
  parkedReason: r.parked_reason,
  waitingOnBudget: r.waiting_on_budget,
  lastError: r.last_error,
  completedAt: r.completed_at,
});

/** pgvector's text form of a vector. */
export function vectorLiteral(vector: readonly number[]): string {
  return `[${vector.map((v) => (Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : 0)).join(',')}]`;
}

export interface NewIdea extends IdeaFields {
  id: string;
  embedding: number[] | null;
  at: Date;
  outputs?: Record<string, unknown>;
}

export async function insertIdea(tx: Queryable, idea: NewIdea): Promise<void> {
  await tx.query(
    `insert into ideas (id, title, description, category, status, current_stage, stage_progress, problem_statement, solution_description,
       target_market, evidence_links, created_by, created_at, updated_at, stage_entered_at, next_attempt_at, embedding, outputs, attempt)
     values ($1, $2, $3, $4, 'DRAFT', 'IDEATE', 0, $5, $6, $7, $8, $9, $10, $10, $10, $10, $11::vector, $12, 1)`,
    [
      idea.id,
      idea.title,
      idea.description,
      idea.category,
      idea.problem,
      idea.solution,
      idea.market,
      idea.evidenceLinks,
      idea.createdBy,
      idea.at,
      idea.embedding ? vectorLiteral(idea.embedding) : null,
      JSON.stringify(idea.outputs ?? {}),
    ],
  );
  await tx.query(
    `insert into idea_stage_history (idea_id, at, from_stage, to_stage, from_status, to_status, actor, reason)
     values ($1, $2, null, 'IDEATE', null, 'DRAFT', 'intake', 'submitted')`,
    [idea.id, idea.at],
  );
}

export async function findByExactTitle(db: Queryable, title: string): Promise<{ id: string; title: string } | undefined> {
  const result = await db.query<{ id: string; title: string }>('select id, title from ideas where lower(title) = lower($1) limit 1', [title]);
  return result.rows[0];
}

export interface SimilarIdea {
  id: string;
  title: string;
  status: Status;
  stage: Stage;
  similarity: number;
}

/**
 * The nearest ideas by cosine similarity (through the HNSW index), those at or above `minSimilarity`.
 * `ef_search` is raised for the query so a filtered top-k still finds its matches.
 */
export async function nearestIdeas(
  db: Queryable,
  vector: readonly number[],
  options: { limit: number; minSimilarity: number; excludeId?: string },
): Promise<SimilarIdea[]> {
  const result = await db.query<{ id: string; title: string; status: Status; current_stage: Stage; distance: number }>(
    `select id, title, status, current_stage, distance from (
       select id, title, status, current_stage, embedding <=> $1::vector as distance
         from ideas where embedding is not null order by embedding <=> $1::vector limit $2
     ) nearest where ($3::uuid is null or id <> $3::uuid) and distance <= $4 order by distance`,
    [vectorLiteral(vector), options.limit + (options.excludeId ? 1 : 0), options.excludeId ?? null, 1 - options.minSimilarity],
  );
  return result.rows
    .slice(0, options.limit)
    .map((r) => ({ id: r.id, title: r.title, status: r.status, stage: r.current_stage, similarity: Math.round((1 - Number(r.distance)) * 1000) / 1000 }));
}

export async function ideaEmbedding(db: Queryable, id: string): Promise<number[] | null> {
  const result = await db.query<{ embedding: string | null }>('select embedding::text as embedding from ideas where id = $1', [id]);
  const text = result.rows[0]?.embedding;
  return text ? (JSON.parse(text) as number[]) : null;
}

/** Ideas a creator submitted since each time (intake limits). */
export async function intakeCounts(db: Queryable, createdBy: string, now: Date): Promise<{ lastHour: number; lastDay: number }> {
  const result = await db.query<{ hour: number; day: number }>(
    `select count(*) filter (where created_at > $2::timestamptz - interval '1 hour')::int as hour,
            count(*)::int as day
       from ideas where created_by = $1 and created_at > $2::timestamptz - interval '1 day'`,
    [createdBy, now],
  );
  return { lastHour: result.rows[0]?.hour ?? 0, lastDay: result.rows[0]?.day ?? 0 };
}

/**
 * Ideas a submitter (the operator who ran the command, recorded in outputs.intake.submittedBy) stored in
 * the last hour and day: what the intake limits count, whatever created_by the ideas claim.
 */
export async function intakeCountsBySubmitter(db: Queryable, submittedBy: string, now: Date): Promise<{ lastHour: number; lastDay: number }> {
  const result = await db.query<{ hour: number; day: number }>(
    `select count(*) filter (where created_at > $2::timestamptz - interval '1 hour')::int as hour,
            count(*)::int as day
       from ideas where created_at > $2::timestamptz - interval '1 day' and outputs->'intake'->>'submittedBy' = $1`,
    [submittedBy, now],
  );
  return { lastHour: result.rows[0]?.hour ?? 0, lastDay: result.rows[0]?.day ?? 0 };
}

/** One idea by id, or by an unambiguous id prefix (8+ characters). */
export async function getIdea(db: Queryable, idOrPrefix: string): Promise<IdeaRow | undefined> {
  const text = idOrPrefix.trim().toLowerCase();
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) {
    const result = await db.query<Raw>(`select ${COLUMNS} from ideas where id = $1`, [text]);
    return result.rows[0] ? toIdea(result.rows[0]) : undefined;
  }
  if (!/^[0-9a-f-]{8,36}$/.test(text)) return undefined;
  const result = await db.query<Raw>(`select ${COLUMNS} from ideas where id::text like $1 || '%' limit 2`, [text]);
  return result.rows.length === 1 ? toIdea(result.rows[0]!) : undefined;
}

export interface ListFilter {
  status?: Status | 'processing' | 'parked' | 'waiting';
  stage?: Stage;
  category?: IdeaCategory;
  search?: string;
  limit?: number;
}

/** Escapes LIKE's wildcards so the text matches only itself. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Active, unparked ideas (shared with idea-claims.ts). */
export const PROCESSING = `(current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED') and parked_reason is null)`;

export async function listIdeas(db: Queryable, filter: ListFilter = {}): Promise<IdeaRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.status === 'processing') where.push(PROCESSING);
  else if (filter.status === 'parked') where.push('parked_reason is not null');
  else if (filter.status === 'waiting') where.push('waiting_on_budget is not null');
  else if (filter.status) add('status = ?', filter.status);
  if (filter.stage) add('current_stage = ?', filter.stage);
  if (filter.category) add('category = ?', filter.category);
  // one text parameter used twice; the operator's text is matched literally (its % and _ escaped)
  if (filter.search) add(`(title ilike ?::text escape '\\' or description ilike $${params.length + 1}::text escape '\\')`, `%${likeLiteral(filter.search)}%`);
  params.push(filter.limit ?? 50);
  const result = await db.query<Raw>(
    `select ${COLUMNS} from ideas ${where.length ? `where ${where.join(' and ')}` : ''} order by created_at desc, id limit $${params.length}`,
    params,
  );
  return result.rows.map(toIdea);
}

/**
 * The statement listParkedAndWaiting reads with: `columns` of the ideas, each row with its `list`; `limit`
 * a SQL expression (a placeholder). The console's refresh composes it with the few columns it shows.
 */
export function parkedAndWaitingSql(columns: string, limit: string): string {
  return `(select 'parked' as list, ${columns} from ideas where parked_reason is not null order by created_at desc, id limit ${limit})
     union all
     (select 'waiting' as list, ${columns} from ideas where waiting_on_budget is not null order by created_at desc, id limit ${limit})`;
}

/**
 * The ideas that wait for an operator, in one round trip: the parked ones and those waiting on budget,
 * each list as `listIdeas` with `status: 'parked'` / `'waiting'` orders and limits it (an idea can be in both).
 */
export async function listParkedAndWaiting(db: Queryable, limit = 50): Promise<{ parked: IdeaRow[]; waiting: IdeaRow[] }> {
  const result = await db.query<Raw & { list: 'parked' | 'waiting' }>(parkedAndWaitingSql(COLUMNS, '$1'), [limit]);
  const parked: IdeaRow[] = [];
  const waiting: IdeaRow[] = [];
  for (const row of result.rows) (row.list === 'parked' ? parked : waiting).push(toIdea(row));
  return { parked, waiting };
}

/**
 * The ideas in one stage for the console's drill-down: parked first, then waiting on budget, then the
 * rest, each longest in the stage first; and how many the stage holds in all.
 */
export async function ideasInStage(db: Queryable, stage: Stage, limit = 200): Promise<{ total: number; ideas: IdeaRow[] }> {
  const [rows, count] = await Promise.all([
    db.query<Raw>(
      `select ${COLUMNS} from ideas where current_stage = $1
       order by (parked_reason is null), (waiting_on_budget is null), stage_entered_at, id limit $2`,
      [stage, limit],
    ),
    db.query<{ n: number }>('select count(*)::int as n from ideas where current_stage = $1', [stage]),
  ]);
  return { total: count.rows[0]?.n ?? 0, ideas: rows.rows.map(toIdea) };
}

export interface HistoryRow {
  at: Date;
  fromStage: string | null;
  toStage: string;
  fromStatus: string | null;
  toStatus: string;
  actor: string;
  reason: string | null;
}

export async function stageHistory(db: Queryable, ideaId: string): Promise<HistoryRow[]> {
  const result = await db.query<{ at: Date; from_stage: string | null; to_stage: string; from_status: string | null; to_status: string; actor: string; reason: string | null }>(
    'select at, from_stage, to_stage, from_status, to_status, actor, reason from idea_stage_history where idea_id = $1 order by at, id',
    [ideaId],
  );
  return result.rows.map((r) => ({ at: r.at, fromStage: r.from_stage, toStage: r.to_stage, fromStatus: r.from_status, toStatus: r.to_status, actor: r.actor, reason: r.reason }));
}

/** How many ideas there are (archived ones not counted). */
export async function countIdeas(db: Queryable): Promise<number> {
  const result = await db.query<{ n: number }>('select count(*)::int as n from ideas');
  return result.rows[0]?.n ?? 0;
}
