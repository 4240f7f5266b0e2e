/**
 * Intake: sanitise and check each idea (docs/domain.md), enforce the limits (INTAKE_PER_SUBMISSION ideas per
 * submission; INTAKE_PER_HOUR / INTAKE_PER_DAY per submitting operator, checked before anything is paid),
 * refuse duplicates (the same title, or cosine similarity >= 0.80 to an existing idea, over pgvector)
 * unless forced, embed the accepted ones in one batch through the budget sentinel, and store each with its
 * first history row. Intake pauses while the openai_tokens budget is CRITICAL or spending is shut down.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AppError, InvalidInputError } from '../../core/errors.js';
import { BudgetExceededError } from '../../core/errors.js';
import { findByExactTitle, insertIdea, intakeCounts, intakeCountsBySubmitter, nearestIdeas } from '../../storage/ideas.js';
import { track } from '../analytics.js';
import { costCents, estimateEmbeddingCents } from '../budget/pricing.js';
import type { StageDeps } from '../stages/context.js';
import { sanitizeIdea, type CleanIdea, type IdeaInput } from './sanitize.js';

export const DUPLICATE_SIMILARITY = 0.8;
export const SIMILAR_SIMILARITY = 0.5;

export interface IntakeItem {
  input: IdeaInput;
  /** Where it came from, for messages: "line 3", "argument". */
  label: string;
}

export interface IntakeOutcome {
  label: string;
  status: 'created' | 'rejected' | 'duplicate' | 'limited';
  id?: string;
  title?: string;
  problems: string[];
  warnings: string[];
  duplicateOf?: { id: string; title: string; similarity: number; exactTitle: boolean };
}

/** Intake is paused: the budget is CRITICAL or spending is shut down. */
export class IntakePausedError extends AppError {
  constructor(message: string) {
    super('INTAKE_PAUSED', message);
  }
}

export function embeddingText(idea: Pick<CleanIdea, 'title' | 'description' | 'problem' | 'solution'>): string {
  return [idea.title, idea.description, idea.problem, idea.solution].filter(Boolean).join('\n');
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export interface SubmitOptions {
  /** Store duplicates anyway. */
  force?: boolean;
  /** created_by for ideas that do not say (attribution only: it is not what the limits count). */
  createdBy?: string;
  /**
   * Who submits: the operator running the command (STUDIO_OPERATOR or the OS user), which a file cannot
   * choose. The hourly and daily limits count this submitter's ideas. Without it (library callers, the
   * sample load) they count each idea's created_by.
   */
  submittedBy?: string;
}

export async function submitIdeas(deps: StageDeps, items: IntakeItem[], options: SubmitOptions = {}): Promise<IntakeOutcome[]> {
  const { db, budget, providers, config, clock, logger } = deps;
  // one submission is capped as a whole, before any work: a 3,000-line file is refused, not embedded
  if (items.length > config.pipeline.intakePerSubmission) {
    throw new InvalidInputError(
      `intake: ${items.length} ideas in one submission; at most ${config.pipeline.intakePerSubmission} are taken (INTAKE_PER_SUBMISSION); split the file. Nothing was stored`,
    );
  }
  const outcomes: IntakeOutcome[] = [];
  const accepted: Array<{ index: number; idea: CleanIdea }> = [];
  for (const item of items) {
    const input = { ...item.input, createdBy: item.input.createdBy ?? options.createdBy };
    const result = sanitizeIdea(input);
    outcomes.push({ label: item.label, status: result.idea ? 'created' : 'rejected', title: result.idea?.title, problems: result.problems, warnings: result.warnings });
    if (result.idea) accepted.push({ index: outcomes.length - 1, idea: result.idea });
  }
  if (accepted.length === 0) return outcomes;

  // the limits are checked before anything is paid: ideas past them are refused, not embedded
  const now = clock.date();
  const limitKey = (idea: CleanIdea) => options.submittedBy ?? idea.createdBy;
  const countsByKey = new Map<string, { hour: number; day: number }>();
  const withinLimits: typeof accepted = [];
  for (const entry of accepted) {
    const key = limitKey(entry.idea);
    let counts = countsByKey.get(key);
    if (!counts) {
      const c = options.submittedBy ? await intakeCountsBySubmitter(db, key, now) : await intakeCounts(db, key, now);
      counts = { hour: c.lastHour, day: c.lastDay };
      countsByKey.set(key, counts);
    }
    if (counts.hour >= config.pipeline.intakePerHour || counts.day >= config.pipeline.intakePerDay) {
      const outcome = outcomes[entry.index]!;
      outcome.status = 'limited';
      outcome.problems.push(
        counts.hour >= config.pipeline.intakePerHour
          ? `intake limit: ${key} submitted ${counts.hour} ideas in the last hour (limit ${config.pipeline.intakePerHour}); try again later`
          : `intake limit: ${key} submitted ${counts.day} ideas in the last day (limit ${config.pipeline.intakePerDay}); try again tomorrow`,
      );
      continue;
    }
    counts.hour++;
    counts.day++;
    withinLimits.push(entry);
  }
  accepted.splice(0, accepted.length, ...withinLimits);
  if (accepted.length === 0) return outcomes;

  const snapshot = await budget.snapshot();
  const level = snapshot.categories.openai_tokens.level;
  if (snapshot.emergencyShutdown || snapshot.circuitBreakerActive) {
    throw new IntakePausedError('intake: paused by the emergency shutdown; nothing was stored (studio budget resume, then submit again)');
  }
  if (level === 'CRITICAL' || level === 'EMERGENCY') {
    throw new IntakePausedError(`intake: paused while the openai_tokens budget is ${level}; nothing was stored (try again after studio budget reset or when spend falls)`);
  }

  const texts = accepted.map((a) => embeddingText(a.idea));
  const model = providers.embedder.info.model;
  let vectors: number[][];
  try {
    vectors = await budget.guard(
      {
        category: 'openai_tokens',
        service: providers.embedder.info.offline ? 'offline' : 'openai',
        operation: 'intake.embed',
        estimateCents: estimateEmbeddingCents(model, texts),
        idempotencyKey: `intake:${createHash('sha256').update(texts.join('\u0000')).digest('hex').slice(0, 32)}:${clock.now()}`,
        critical: false,
        metadata: { ideas: texts.length, offline: providers.embedder.info.offline },
      },
      async () => {
        const out = await providers.embedder.embed(texts);
        return { result: out.vectors, actualCents: costCents(out.model, { inputTokens: out.usage.inputTokens }) };
      },
    );
  } catch (error) {
    if (error instanceof BudgetExceededError) throw new IntakePausedError(`intake: paused, the budget refused the embeddings: ${error.message.replace(/^budget: /, '')}; nothing was stored`);
    throw error;
  }

  const stored: Array<{ id: string; title: string; vector: number[] }> = [];
  for (let i = 0; i < accepted.length; i++) {
    const { index, idea } = accepted[i]!;
    const outcome = outcomes[index]!;
    const vector = vectors[i]!;

    if (!options.force) {
      let duplicate: IntakeOutcome['duplicateOf'];
      const exact = (await findByExactTitle(db, idea.title)) ?? stored.find((s) => s.title.toLowerCase() === idea.title.toLowerCase());
      if (exact) duplicate = { id: exact.id, title: exact.title, similarity: 1, exactTitle: true };
      else {
        const [near] = await nearestIdeas(db, vector, { limit: 1, minSimilarity: DUPLICATE_SIMILARITY });
        if (near) duplicate = { id: near.id, title: near.title, similarity: near.similarity, exactTitle: false };
        else {
          for (const s of stored) {
            const similarity = cosine(vector, s.vector);
            if (similarity >= DUPLICATE_SIMILARITY) {
              duplicate = { id: s.id, title: s.title, similarity: Math.round(similarity * 1000) / 1000, exactTitle: false };
              break;
            }
          }
        }
      }
      if (duplicate) {
        outcome.status = 'duplicate';
        outcome.duplicateOf = duplicate;
        outcome.problems.push(
          duplicate.exactTitle
            ? `duplicate: an idea with the same title exists (${duplicate.id} "${duplicate.title}"); use --force to submit anyway`
            : `duplicate: ${Math.round(duplicate.similarity * 100)}% similar to ${duplicate.id} "${duplicate.title}"; use --force to submit anyway`,
        );
        continue;
      }
    }

    const id = randomUUID();
    await db.withTransaction((tx) =>
      insertIdea(tx, { id, ...idea, embedding: vector, at: now, outputs: { intake: { warnings: outcome.warnings, embeddingOffline: providers.embedder.info.offline, ...(options.submittedBy ? { submittedBy: options.submittedBy } : {}) } } }),
    );
    outcome.id = id;
    stored.push({ id, title: idea.title, vector });
    logger.info({ idea: id, createdBy: idea.createdBy, warnings: outcome.warnings.length }, 'intake: idea stored');
    track(providers.analytics, logger, 'idea_created', { idea_id: id, category: idea.category, warnings: outcome.warnings.length, forced: options.force === true, embedding_offline: providers.embedder.info.offline });
  }
  return outcomes;
}
