/**
 * `studio budget ...`: the manual's budget procedures — status, the violation check, recording a known
 * cost, cycle reset with log archiving, resuming after an emergency shutdown, and cycle history.
 */
import type { Command } from 'commander';
import { BUDGET_CATEGORIES, type BudgetCategory } from '../core/types.js';
import { InvalidInputError } from '../core/errors.js';
import { centsToDollars, formatDollars, parseDollars } from '../core/money.js';
import { formatDuration } from '../core/clock.js';
import type { BudgetSnapshot, CategoryStatus } from '../core/ports.js';
import type { DetailedSnapshot } from '../pipeline/budget/sentinel.js';
import { action, withApp } from './run.js';

const ops = () => import('../app/operations/budget.js');
import { bar, c, levelColour, printJson, println, table } from './output.js';

/** The JSON shape of docs/domain.md (dollars as numbers with two decimals). */
export function statusJson(s: BudgetSnapshot | DetailedSnapshot): Record<string, unknown> {
  const money = (x: CategoryStatus) => ({
    allocated: centsToDollars(x.allocatedCents),
    spent: centsToDollars(x.spentCents),
    remaining: centsToDollars(x.remainingCents),
    usage_percentage: x.usagePercentage,
    level: x.level,
  });
  const body: Record<string, unknown> = {
    cycle_id: s.cycleId,
    cycle_start: s.cycleStart.toISOString(),
    total_budget: money(s.total),
    categories: Object.fromEntries(Object.entries(s.categories).map(([name, x]) => [name, money(x)])),
    level: s.level,
    emergency_shutdown: s.emergencyShutdown,
    circuit_breaker_active: s.circuitBreakerActive,
  };
  if ('burnRateCentsPerHour' in s) {
    body.reserved = {
      total: centsToDollars(s.reservedCents),
      ...Object.fromEntries(Object.entries(s.categories).map(([name, x]) => [name, centsToDollars(x.reservedCents)])),
    };
    body.burn_rate_per_hour = centsToDollars(s.burnRateCentsPerHour);
    body.projected_cap_at = s.projectedCapAt?.toISOString() ?? null;
    body.top_operations = s.topOperations.map((o) => ({ ...o, cost: centsToDollars(o.cents), cents: undefined }));
    body.cache = { entries: s.cache.entries, hits: s.cache.hits, saved: centsToDollars(s.cache.savedCents) };
    body.shutdown_at = s.shutdownAt?.toISOString() ?? null;
    body.shutdown_reason = s.shutdownReason;
  }
  return body;
}

function printStatus(s: BudgetSnapshot | DetailedSnapshot): void {
  println(`${c.bold('Budget')} cycle ${s.cycleId} since ${s.cycleStart.toISOString().slice(0, 16).replace('T', ' ')} UTC   level ${levelColour(s.level)}`);
  if (s.emergencyShutdown) println(c.bold(c.red('⚠  EMERGENCY SHUTDOWN ACTIVE — every paid call is refused (studio budget resume --confirm --reason ...)')));
  else if (s.circuitBreakerActive) println(c.red('⚠  CIRCUIT BREAKER ACTIVE'));
  const row = (name: string, x: CategoryStatus) => {
    const used = (x.spentCents + x.reservedCents) / Math.max(1, x.allocatedCents);
    const colour = x.level === 'HEALTHY' ? c.green : x.level === 'WARNING' ? c.yellow : c.red;
    return [
      name,
      formatDollars(x.spentCents),
      x.reservedCents ? formatDollars(x.reservedCents) : c.dim('-'),
      formatDollars(x.allocatedCents),
      formatDollars(x.remainingCents),
      colour(bar(used, 20)),
      `${x.usagePercentage.toFixed(1)}%`,
      levelColour(x.level),
    ];
  };
  println('');
  println(
    table(
      ['category', 'spent', 'reserved', 'allocated', 'remaining', '', 'usage', 'level'],
      [...BUDGET_CATEGORIES.map((name) => row(name, s.categories[name])), row(c.bold('total'), s.total)],
      { align: ['left', 'right', 'right', 'right', 'right', 'left', 'right', 'left'] },
    ),
  );
  if ('burnRateCentsPerHour' in s) {
    println('');
    println(`burn rate ${formatDollars(s.burnRateCentsPerHour)}/h` + (s.projectedCapAt ? `, cap reached in ~${formatDuration(s.projectedCapAt.getTime() - Date.now())} at this rate` : ', nothing burning'));
    println(`response cache: ${s.cache.entries} entries, ${s.cache.hits} hits, ${formatDollars(s.cache.savedCents)} saved`);
    if (s.shutdownReason) println(`shutdown: ${s.shutdownReason} (${s.shutdownAt?.toISOString()})`);
    if (s.topOperations.length > 0) {
      println('');
      println(c.bold('top operations by cost'));
      println(
        table(
          ['service', 'operation', 'category', 'calls', 'cost'],
          s.topOperations.map((o) => [o.service, o.operation, o.category, String(o.calls), formatDollars(o.cents)]),
          { align: ['left', 'left', 'left', 'right', 'right'] },
        ),
      );
    }
  }
}

export function registerBudget(program: Command): void {
  const budget = program.command('budget').description('the spend ledger: status, check, record, reset, resume, history');

  budget
    .command('status')
    .description('spend per category and in total, with levels; --detailed adds reserved, burn rate, projection, top operations')
    .option('--detailed', 'reserved money, burn rate, projected time to cap, top operations by cost, cache savings')
    .option('--json', 'machine-readable output (the manual\'s keys: cycle_id, total_budget, categories, ...)')
    .addHelpText(
      'after',
      `
Examples:
  studio budget status
  studio budget status --detailed
  watch -n 30 studio budget status
  studio budget status --json | jq .total_budget.usage_percentage`,
    )
    .action(
      action(async (opts: { detailed?: boolean; json?: boolean }) =>
        withApp({ logBase: { cmd: 'budget status' } }, async (app) => {
          const snapshot = await (await ops()).budgetStatus(app, { detailed: opts.detailed });
          if (opts.json) printJson(statusJson(snapshot));
          else printStatus(snapshot);
        }),
      ),
    );

  budget
    .command('check')
    .description('exit 0 when budget systems are operational, 1 when the emergency shutdown or circuit breaker is active')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  studio budget check && echo ok\n  studio budget check --json')
    .action(
      action(async (opts: { json?: boolean }) =>
        withApp({ logBase: { cmd: 'budget check' } }, async (app) => {
          const s = await app.budget.snapshot();
          const state = s.emergencyShutdown ? 'emergency_shutdown' : s.circuitBreakerActive ? 'circuit_breaker' : 'operational';
          if (opts.json) printJson({ state, level: s.level, emergency_shutdown: s.emergencyShutdown, circuit_breaker_active: s.circuitBreakerActive });
          else if (state === 'emergency_shutdown') println(c.red('⚠  EMERGENCY SHUTDOWN ACTIVE'));
          else if (state === 'circuit_breaker') println(c.red('⚠  CIRCUIT BREAKER ACTIVE'));
          else println(`${c.green('✓')} Budget systems operational (${s.level}, ${s.total.usagePercentage.toFixed(1)}% used)`);
          return state === 'operational' ? 0 : 1;
        }),
      ),
    );

  budget
    .command('record')
    .description('record a cost known from outside (an invoice); refused with nothing written when it would pass a cap')
    .requiredOption('--category <category>', `one of ${BUDGET_CATEGORIES.join(', ')}`)
    .requiredOption('--amount <dollars>', 'the cost in dollars, e.g. 12.34')
    .requiredOption('--service <service>', 'who was paid, e.g. hosting')
    .requiredOption('--operation <operation>', 'what for, e.g. invoice-2026-11')
    .option('--idempotency-key <key>', 'recording the same key twice charges once (default: service:operation)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Examples:
  studio budget record --category infrastructure --amount 3.20 --service hetzner --operation invoice-2026-11
  studio budget record --category external_apis --amount 0.75 --service serpapi --operation nov --idempotency-key serpapi-nov`,
    )
    .action(
      action(async (opts: { category: string; amount: string; service: string; operation: string; idempotencyKey?: string; json?: boolean }) => {
        if (!BUDGET_CATEGORIES.includes(opts.category as BudgetCategory)) {
          throw new InvalidInputError(`budget: unknown category "${opts.category}"; use one of ${BUDGET_CATEGORIES.join(', ')}`);
        }
        let cents: number;
        try {
          cents = parseDollars(opts.amount);
        } catch {
          throw new InvalidInputError(`budget: --amount "${opts.amount}" is not a dollar amount like 12.34`);
        }
        if (cents <= 0) throw new InvalidInputError('budget: --amount must be more than 0');
        return withApp({ logBase: { cmd: 'budget record' } }, async (app) => {
          const reservation = await (await ops()).recordCost(app, app.config.operator, {
            category: opts.category as BudgetCategory,
            amountCents: cents,
            service: opts.service,
            operation: opts.operation,
            idempotencyKey: opts.idempotencyKey,
          });
          if (opts.json) printJson({ id: reservation.id, replayed: reservation.replayed, category: opts.category, amount: centsToDollars(cents) });
          else if (reservation.replayed) println(`already recorded (${reservation.idempotencyKey}); nothing charged again`);
          else println(`${c.green('✓')} recorded ${formatDollars(cents)} to ${opts.category} (${opts.service} ${opts.operation})`);
        });
      }),
    );

  budget
    .command('reset')
    .description('close the current cycle and start a new one (archives the cycle\'s logs); needs --confirm and --reason')
    .option('--confirm', 'yes, start a new cycle')
    .option('--reason <text>', 'why (goes to the audit log)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  studio budget reset --confirm --reason "November cycle closed after finance review"')
    .action(
      action(async (opts: { confirm?: boolean; reason?: string; json?: boolean }) =>
        withApp({ logBase: { cmd: 'budget reset' } }, async (app) => {
          if (!opts.confirm) {
            println('budget reset closes the current cycle for good and opens a new one with a fresh allocation');
            println(`(${formatDollars(app.config.budget.totalCents)}). The closed cycle stays in studio budget history, and its logs are`);
            println('copied under archives/budget_cycle_<timestamp>/. Run again with --confirm --reason "...".');
            return 1;
          }
          const { closedUsagePct, ...result } = await (await ops()).resetBudget(app, app.config.operator, { confirm: true, reason: opts.reason ?? '', statusJson });
          if (opts.json) printJson(result);
          else {
            println(`${c.green('✓')} cycle ${result.closed ?? '(none)'} closed (${closedUsagePct.toFixed(1)}% used); cycle ${result.opened} opened`);
            println(`  logs and the final budget archived to ${result.archive}`);
          }
        }),
      ),
    );

  budget
    .command('resume')
    .description('clear an emergency shutdown after its cause is addressed; needs --confirm and --reason')
    .option('--confirm', 'yes, let paid calls through again')
    .option('--reason <text>', 'what was addressed (goes to the audit log)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  studio budget resume --confirm --reason "runaway campaign deleted, ads cap raised by finance"')
    .action(
      action(async (opts: { confirm?: boolean; reason?: string; json?: boolean }) =>
        withApp({ logBase: { cmd: 'budget resume' } }, async (app) => {
          if (!opts.confirm) {
            const s = await app.budget.snapshot();
            println(s.emergencyShutdown ? 'An emergency shutdown is active: every paid call is refused.' : 'No emergency shutdown is active.');
            println('Resume only after the cause is addressed. Run again with --confirm --reason "...".');
            return 1;
          }
          const result = await (await ops()).resumeBudget(app, app.config.operator, { confirm: true, reason: opts.reason ?? '' });
          if (opts.json) printJson(result);
          else {
            println(`${c.green('✓')} emergency shutdown cleared for cycle ${result.cycleId}`);
            if (result.stillOverCap.length > 0) println(c.yellow(`  still at its cap: ${result.stillOverCap.join(', ')} — calls there stay refused until studio budget reset`));
          }
        }),
      ),
    );

  budget
    .command('history')
    .description('budget cycles, newest first, with what each spent')
    .option('--limit <n>', 'how many cycles', '20')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  studio budget history --limit 5')
    .action(
      action(async (opts: { limit: string; json?: boolean }) =>
        withApp({ logBase: { cmd: 'budget history' } }, async (app) => {
          const cycles = await (await ops()).budgetHistory(app, { limit: Number(opts.limit) || 20 });
          const rows = [];
          for (const { cycle, spentCents } of cycles) {
            rows.push({
              cycle_id: cycle.id,
              started_at: cycle.startedAt.toISOString(),
              ended_at: cycle.endedAt?.toISOString() ?? null,
              allocated: centsToDollars(cycle.totalCents),
              spent: centsToDollars(spentCents),
              emergency_shutdown: cycle.emergencyShutdown,
              closed_by: cycle.closedBy,
              close_reason: cycle.closeReason,
            });
          }
          if (opts.json) return printJson(rows);
          println(
            table(
              ['cycle', 'started', 'ended', 'spent', 'allocated', 'closed by', 'reason'],
              rows.map((r) => [r.cycle_id, r.started_at.slice(0, 16), r.ended_at?.slice(0, 16) ?? c.green('open'), `$${r.spent.toFixed(2)}`, `$${r.allocated.toFixed(2)}`, r.closed_by ?? '', r.close_reason ?? '']),
            ),
          );
        }),
      ),
    );
}
