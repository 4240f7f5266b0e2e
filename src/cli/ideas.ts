/**
 * `studio create | list | show | similar | advance | reset-idea`: intake and the idea queries, plus the
 * `pipeline` and `evidence` groups (registered from here so main.ts has one entry for the pipeline).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidInputError } from '../core/errors.js';
import { CATEGORIES, STAGES, STATUSES, type IdeaCategory, type Stage, type Status } from '../core/types.js';
import { formatDollars, centsToDollars } from '../core/money.js';
import type { IdeaInput } from '../pipeline/ideas/sanitize.js';
import type { IntakeOutcome } from '../pipeline/ideas/intake.js';
import type { App } from '../app/app.js';
import { action, withApp } from './run.js';
import { c, cut, printJson, println, table } from './output.js';
import { registerPipeline } from './pipeline.js';
import { registerEvidence } from './evidence.js';

const deps = (app: App) => ({ db: app.db, budget: app.budget, providers: app.providers, config: app.config, clock: app.clock, logger: app.logger });

/** Ideas from a JSON array/object or JSON lines; a line that is not JSON becomes a refused item. */
export function parseIdeasText(text: string): Array<{ input: IdeaInput; label: string; error?: string }> {
  const trimmed = text.trim();
  if (!trimmed) throw new InvalidInputError('create: the input is empty; give JSON lines, a JSON array, or --title and --description');
  const normalise = (raw: Record<string, unknown>): IdeaInput => ({
    title: raw.title,
    description: raw.description,
    category: raw.category,
    problem: raw.problem ?? raw.problem_statement,
    solution: raw.solution ?? raw.solution_description,
    market: raw.market ?? raw.target_market,
    evidence: raw.evidence ?? raw.evidence_links,
    createdBy: raw.created_by ?? raw.createdBy,
  });
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new InvalidInputError(`create: the JSON array could not be read: ${(error as Error).message}`);
    }
    return (parsed as unknown[]).map((item, i) =>
      item && typeof item === 'object' && !Array.isArray(item) ? { input: normalise(item as Record<string, unknown>), label: `item ${i + 1}` } : { input: {}, label: `item ${i + 1}`, error: 'not a JSON object' },
    );
  }
  if (trimmed.startsWith('{')) {
    try {
      const single = JSON.parse(trimmed) as Record<string, unknown>;
      return [{ input: normalise(single), label: 'input' }];
    } catch {
      /* JSON lines, read below */
    }
  }
  const out: Array<{ input: IdeaInput; label: string; error?: string }> = [];
  trimmed.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const value = JSON.parse(line) as unknown;
      if (!value || typeof value !== 'object' || Array.isArray(value)) out.push({ input: {}, label: `line ${i + 1}`, error: 'not a JSON object' });
      else out.push({ input: normalise(value as Record<string, unknown>), label: `line ${i + 1}` });
    } catch {
      out.push({ input: {}, label: `line ${i + 1}`, error: 'not valid JSON' });
    }
  });
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function outcomeJson(o: IntakeOutcome) {
  return { source: o.label, status: o.status, id: o.id ?? null, title: o.title ?? null, problems: o.problems, warnings: o.warnings, duplicate_of: o.duplicateOf ?? null };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const shortId = (id: string) => id.slice(0, 8);
const when = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 19).replace('T', ' ') : '-');

export function registerIdeas(program: Command): void {
  program
    .command('create')
    .description('submit ideas: one from flags, or many from a JSON / JSON-lines file or stdin')
    .option('--title <text>', 'title (10-200 characters)')
    .option('--description <text>', 'description (10-5000 characters)')
    .option('--category <name>', `one of ${CATEGORIES.join(', ')}`)
    .option('--problem <text>', 'problem statement (<= 1000)')
    .option('--solution <text>', 'solution description (<= 1000)')
    .option('--market <text>', 'target market (<= 500)')
    .option('--evidence <urls>', 'comma-separated http(s) links (<= 10)')
    .option('--created-by <name>', 'credited as the idea\'s creator (default: the operator); the intake limits count the operator running the command, not this')
    .option('--file <path>', 'JSON array or JSON lines of ideas ("-" for stdin)')
    .option('--force', 'store duplicates anyway')
    .option('--json', 'machine-readable outcome per idea')
    .addHelpText(
      'after',
      `
Input is cleaned (markup and scripts stripped, whitespace collapsed, javascript:/data: links dropped);
an idea with a length out of bounds, control characters or a blocked word is refused and nothing of it
is stored. Duplicates (same title, or >= 80% similar) are refused unless --force. Exit 1 if any idea
was refused.

Examples:
  studio create --title "Invoice chasing for freelancers" --description "Automatic reminders ..." --category fintech
  studio create --file examples/ideas.jsonl
  cat ideas.jsonl | studio create --json`,
    )
    .action(
      action(async (opts: { title?: string; description?: string; category?: string; problem?: string; solution?: string; market?: string; evidence?: string; createdBy?: string; file?: string; force?: boolean; json?: boolean }) => {
        let items: Array<{ input: IdeaInput; label: string; error?: string }>;
        if (opts.file) {
          let text: string;
          try {
            text = opts.file === '-' ? await readStdin() : readFileSync(opts.file, 'utf8');
          } catch {
            throw new InvalidInputError(`create: cannot read ${opts.file}`);
          }
          items = parseIdeasText(text);
        } else if (opts.title !== undefined || opts.description !== undefined) {
          items = [{ input: { title: opts.title, description: opts.description, category: opts.category, problem: opts.problem, solution: opts.solution, market: opts.market, evidence: opts.evidence }, label: 'idea' }];
        } else if (!process.stdin.isTTY) {
          const piped = await readStdin();
          if (!piped.trim()) throw new InvalidInputError('create: give --title and --description, or --file (see studio create --help); stdin was empty');
          items = parseIdeasText(piped);
        } else {
          throw new InvalidInputError('create: give --title and --description, or --file (see studio create --help)');
        }
        return withApp({ logBase: { cmd: 'create' } }, async (app) => {
          const { submitIdeas } = await import('../pipeline/ideas/intake.js');
          const valid = items.filter((i) => !i.error);
          const outcomes = await submitIdeas(deps(app), valid, { force: opts.force, createdBy: opts.createdBy ?? app.config.operator.user, submittedBy: app.config.operator.user });
          const all: IntakeOutcome[] = items.map((i) => (i.error ? { label: i.label, status: 'rejected', problems: [i.error], warnings: [] } : outcomes.shift()!));
          const refused = all.filter((o) => o.status !== 'created');
          if (opts.json) {
            printJson({ created: all.length - refused.length, refused: refused.length, ideas: all.map(outcomeJson) });
            return refused.length ? 1 : 0;
          }
          if (all.length === 1 && refused.length === 1) {
            const only = all[0]!;
            throw new InvalidInputError(`create: idea refused${only.status === 'duplicate' ? ' as a duplicate' : only.status === 'limited' ? ' (intake limit)' : ''}; nothing was stored`, only.problems);
          }
          for (const o of all) {
            if (o.status === 'created') {
              println(`${c.green('created')}  ${o.id}  ${o.title}`);
              for (const w of o.warnings) println(`         ${c.yellow('warning:')} ${w}`);
            } else {
              println(`${c.red('refused')}  ${o.label}${o.title ? `  ${o.title}` : ''}`);
              for (const p of o.problems) println(`         - ${p}`);
            }
          }
          if (all.length > 1) println(`\n${all.length - refused.length} created, ${refused.length} refused`);
          return refused.length ? 1 : 0;
        });
      }),
    );

  program
    .command('list')
    .description('ideas, newest first, filtered by status, stage, category or text')
    .option('--status <status>', `one of ${STATUSES.join(', ')}, or processing | parked | waiting`)
    .option('--stage <stage>', `one of ${STAGES.join(', ')}`)
    .option('--category <name>', 'a category')
    .option('--search <text>', 'text in the title or description')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
"processing" means any idea a worker holds or that waits in a stage (not finished, rejected or parked).

Examples:
  studio list --status=processing
  studio list --stage RESEARCH --json
  studio list --status parked`)
    .action(
      action(async (opts: { status?: string; stage?: string; category?: string; search?: string; limit: string; json?: boolean }) => {
        const status = opts.status?.trim();
        const statusValue = status && ['processing', 'parked', 'waiting'].includes(status.toLowerCase()) ? status.toLowerCase() : status?.toUpperCase();
        if (statusValue && !['processing', 'parked', 'waiting', ...STATUSES].includes(statusValue)) throw new InvalidInputError(`list: unknown status "${status}"; use one of ${STATUSES.join(', ')}, processing, parked, waiting`);
        const stage = opts.stage?.toUpperCase();
        if (stage && !STAGES.includes(stage as Stage)) throw new InvalidInputError(`list: unknown stage "${opts.stage}"; use one of ${STAGES.join(', ')}`);
        if (opts.category && !CATEGORIES.includes(opts.category as IdeaCategory)) throw new InvalidInputError(`list: unknown category "${opts.category}"`);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidInputError('list: --limit must be a whole number from 1 to 10000');
        return withApp({ logBase: { cmd: 'list' } }, async (app) => {
          const { listIdeas } = await import('../app/operations/ideas.js');
          const { overallProgress } = await import('../pipeline/lifecycle.js');
          const rows = await listIdeas(app, { status: statusValue as Status | 'processing', stage: stage as Stage | undefined, category: opts.category as IdeaCategory | undefined, search: opts.search, limit });
          if (opts.json) {
            printJson(rows.map((r) => ({ id: r.id, title: r.title, category: r.category, stage: r.currentStage, status: r.status, progress: overallProgress(r.currentStage, r.stageProgress), parked_reason: r.parkedReason, waiting_on_budget: r.waitingOnBudget, created_by: r.createdBy, created_at: r.createdAt.toISOString(), updated_at: r.updatedAt.toISOString() })));
            return;
          }
          if (rows.length === 0) return void println('no ideas match');
          println(table(['id', 'title', 'stage', 'status', 'progress', 'category', 'note'], rows.map((r) => [
            shortId(r.id), cut(r.title, 48), r.currentStage, r.status, pct(overallProgress(r.currentStage, r.stageProgress)), r.category,
            r.parkedReason ? c.yellow('parked') : r.waitingOnBudget ? c.yellow('waiting on budget') : r.lockedBy && r.leaseUntil && r.leaseUntil > new Date() ? c.cyan('running') : '',
          ])));
        });
      }),
    );

  program
    .command('show')
    .description('one idea: every field, stage outputs, history, runs, spend so far, artifacts')
    .requiredOption('--id <id>', 'idea id (or an unambiguous prefix of 8+ characters)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Examples:
  studio show --id 3f2a9c1e
  studio show --id 3f2a9c1e-... --json | jq .outputs.smoke_test`)
    .action(
      action(async (opts: { id: string; json?: boolean }) =>
        withApp({ logBase: { cmd: 'show' } }, async (app) => {
          const { ideaDetail } = await import('../pipeline/ideas/service.js');
          const d = await ideaDetail(app.db, app.config, opts.id);
          const i = d.idea;
          if (opts.json) {
            printJson({
              id: i.id, title: i.title, description: i.description, category: i.category, status: i.status, current_stage: i.currentStage,
              stage_progress: i.stageProgress, progress: d.progress, problem_statement: i.problem, solution_description: i.solution, target_market: i.market,
              evidence_links: i.evidenceLinks, created_by: i.createdBy, created_at: i.createdAt.toISOString(), updated_at: i.updatedAt.toISOString(),
              stage_entered_at: i.stageEnteredAt.toISOString(), attempt: i.attempt, next_attempt_at: i.nextAttemptAt.toISOString(), parked_reason: i.parkedReason,
              waiting_on_budget: i.waitingOnBudget, last_error: i.lastError, locked_by: i.lockedBy, lease_until: i.leaseUntil?.toISOString() ?? null, lease_lapses: i.leaseLapses,
              completed_at: i.completedAt?.toISOString() ?? null, outputs: i.outputs, spend: centsToDollars(d.spendCents), artifacts: d.artifacts,
              history: d.history.map((h) => ({ at: h.at.toISOString(), from_stage: h.fromStage, to_stage: h.toStage, from_status: h.fromStatus, to_status: h.toStatus, actor: h.actor, reason: h.reason })),
              runs: d.runs.map((r) => ({ stage: r.stage, attempt: r.attempt, key: r.key, state: r.state, worker: r.worker, started_at: r.startedAt.toISOString(), finished_at: r.finishedAt?.toISOString() ?? null, cost: centsToDollars(r.costCents), error: r.error })),
              campaign: d.campaign ? { id: d.campaign.externalId, account: d.campaign.account, status: d.campaign.status, paused_reason: d.campaign.pausedReason, days_reported: d.campaign.daysReported, impressions: d.campaign.impressions, clicks: d.campaign.clicks, conversions: d.campaign.conversions, cost: d.campaign.costMicros / 1e6 } : null,
            });
            return;
          }
          println(`${c.bold(i.title)}  ${c.dim(i.id)}`);
          println(`${i.currentStage} · ${i.status} · ${pct(d.progress)} · ${i.category} · by ${i.createdBy} · ${when(i.createdAt)} UTC`);
          if (i.parkedReason) println(c.yellow(`parked: ${i.parkedReason}`));
          if (i.waitingOnBudget) println(c.yellow(`waiting on budget: ${i.waitingOnBudget}`));
          if (i.lastError && !i.parkedReason) println(c.yellow(`last error (attempt ${i.attempt - 1}, next try ${when(i.nextAttemptAt)}): ${i.lastError}`));
          println('');
          println(i.description);
          for (const [label, value] of [['problem', i.problem], ['solution', i.solution], ['market', i.market]] as const) if (value) println(`${c.dim(`${label}:`)} ${value}`);
          if (i.evidenceLinks.length) println(`${c.dim('evidence:')} ${i.evidenceLinks.join(', ')}`);
          const o = i.outputs as Record<string, Record<string, unknown> | undefined>;
          println('');
          println(c.bold('outputs'));
          const intake = o.intake as { warnings?: string[] } | undefined;
          if (intake?.warnings?.length) println(`  intake      warnings: ${intake.warnings.join('; ')}`);
          const research = o.research as { gate?: { passed: boolean; count: number; meanScore: number; problems: string[] }; evidence?: Array<{ ref: number; score: number; citation: string; domain: string }> } | undefined;
          if (research?.gate) {
            println(`  research    ${research.gate.passed ? c.green('passed') : c.red('failed')}: ${research.gate.count} pieces, mean score ${research.gate.meanScore}${research.gate.problems.length ? ` (${research.gate.problems.join('; ')})` : ''}`);
            for (const e of (research.evidence ?? []).slice(0, 8)) println(c.dim(`              [${e.ref}] ${e.score.toFixed(2)} ${e.domain}: ${e.citation}`));
          }
          if (o.deck?.path) println(`  deck        ${o.deck.path}${o.deck.offline ? c.dim(' (offline)') : ''}`);
          const inv = o.investors as { score?: number; best?: string; threshold?: number; reason?: string } | undefined;
          if (inv?.score !== undefined) println(`  investors   score ${inv.score} (${inv.best}) vs threshold ${inv.threshold}`);
          if (o.mvp?.path) println(`  landing     ${o.mvp.path}${o.mvp.analyticsOffline ? c.dim(' (offline analytics: no key inlined)') : ''}`);
          const smoke = o.smoke_test as { success?: boolean; ctr?: number; conversions?: number; cost?: number; roi?: string; pausedReason?: string | null; offline?: boolean; path?: string } | undefined;
          if (smoke?.roi) {
            println(`  smoke test  ${smoke.success ? c.green('success') : c.yellow('no success')}: CTR ${((smoke.ctr ?? 0) * 100).toFixed(2)}%, ${smoke.conversions} conversions, $${(smoke.cost ?? 0).toFixed(2)} spent, ROI ${smoke.roi}${smoke.pausedReason ? `, paused (${smoke.pausedReason})` : ''}${smoke.offline ? c.dim(' (simulated account)') : ''}`);
            if (smoke.path) println(`              ${smoke.path}`);
          }
          println('');
          println(`${c.bold('spend so far')} ${formatDollars(d.spendCents)}${d.artifacts.length ? `   ${c.bold('artifacts')} ${d.artifacts.length}` : ''}`);
          println('');
          println(c.bold('history'));
          println(table(['at (UTC)', 'from', 'to', 'status', 'by', 'reason'], d.history.map((h) => [when(h.at), h.fromStage ?? '-', h.toStage, h.toStatus, cut(h.actor, 28), cut(h.reason ?? '', 70)])));
          if (d.runs.length) {
            println('');
            println(c.bold('stage runs'));
            println(table(['stage', 'attempt', 'state', 'cost', 'finished', 'error'], d.runs.map((r) => [r.stage, String(r.attempt), r.state, formatDollars(r.costCents), when(r.finishedAt), cut(r.error ?? '', 70)])));
          }
        }),
      ),
    );

  program
    .command('similar')
    .description('ideas at least 50% similar to one idea (cosine over the embeddings)')
    .argument('<id>', 'idea id or prefix')
    .option('--limit <n>', 'at most this many', '5')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio similar 3f2a9c1e\n  studio similar 3f2a9c1e --limit 10 --json')
    .action(
      action(async (id: string, opts: { limit: string; json?: boolean }) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new InvalidInputError('similar: --limit must be a whole number from 1 to 100');
        return withApp({ logBase: { cmd: 'similar' } }, async (app) => {
          const { similarIdeas } = await import('../pipeline/ideas/service.js');
          const rows = await similarIdeas(app.db, id, limit);
          if (opts.json) return void printJson(rows);
          if (rows.length === 0) return void println('no idea is 50% similar or more');
          println(table(['similarity', 'id', 'title', 'stage', 'status'], rows.map((r) => [pct(r.similarity), shortId(r.id), r.title, r.stage, r.status]), { align: ['right'] }));
        });
      }),
    );

  program
    .command('advance')
    .description('move an idea one stage forward or back (audited)')
    .requiredOption('--id <id>', 'idea id or prefix')
    .requiredOption('--stage <stage>', 'the stage to move to: the next one or the previous one')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio advance --id 3f2a9c1e --stage DECK\n  studio advance --id 3f2a9c1e --stage RESEARCH   (one back)')
    .action(
      action(async (opts: { id: string; stage: string; json?: boolean }) =>
        withApp({ logBase: { cmd: 'advance' } }, async (app) => {
          const { advanceIdea } = await import('../app/operations/ideas.js');
          const moved = await advanceIdea(app, app.config.operator, { id: opts.id, stage: opts.stage });
          if (opts.json) printJson(moved);
          else println(`moved ${moved.from} -> ${moved.to}`);
        }),
      ),
    );

  program
    .command('reset-idea')
    .description('the manual\'s recovery: put an idea back to a stage; shows what re-runs and its cost first (audited)')
    .requiredOption('--id <id>', 'idea id or prefix')
    .requiredOption('--stage <stage>', 'the stage to run again from')
    .option('--confirm', 'do it (without it, only the preview is shown)')
    .option('--reason <text>', 'why, for the audit log')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Without --confirm, prints what will run again and the estimated cost, and changes nothing (exit 1).

Examples:
  studio reset-idea --id=3f2a9c1e --stage=RESEARCH
  studio reset-idea --id=3f2a9c1e --stage=RESEARCH --confirm --reason "corpus updated"`)
    .action(
      action(async (opts: { id: string; stage: string; confirm?: boolean; reason?: string; json?: boolean }) =>
        withApp({ logBase: { cmd: 'reset-idea' } }, async (app) => {
          const { previewIdeaReset, resetIdea } = await import('../app/operations/ideas.js');
          const plan = opts.confirm
            ? await resetIdea(app, app.config.operator, { id: opts.id, stage: opts.stage, reason: opts.reason })
            : await previewIdeaReset(app, { id: opts.id, stage: opts.stage });
          if (opts.json) {
            printJson({ id: plan.ideaId, from_stage: plan.fromStage, to_stage: plan.toStage, rerun: plan.rerun, estimated_cost: centsToDollars(plan.estimatedCents), per_stage: plan.perStage.map((s) => ({ stage: s.stage, cost: centsToDollars(s.cents) })), replaces: plan.replaces, done: Boolean(opts.confirm) });
            return opts.confirm ? 0 : 1;
          }
          println(`${c.bold(plan.title)} (${shortId(plan.ideaId)}): ${plan.fromStage}/${plan.fromStatus} -> ${plan.toStage}`);
          println(`re-runs: ${plan.perStage.map((s) => `${s.stage} ~${formatDollars(s.cents)}`).join(', ')}`);
          println(`estimated cost: ${formatDollars(plan.estimatedCents)}${plan.replaces.length ? `; replaces outputs: ${plan.replaces.join(', ')}` : ''}`);
          if (!opts.confirm) {
            println(c.yellow('nothing changed: run again with --confirm to reset'));
            return 1;
          }
          println(c.green('reset done; the pipeline picks it up on its next pass'));
        }),
      ),
    );

  registerPipeline(program);
  registerEvidence(program);
}
