/**
 * TEST HOOK ONLY. `scheduler_test_ticks` is written by the `test.tick` job that `STUDIO_TEST_JOBS=true`
 * registers, so the several-hosts test can see which process did the work of each slot. The table is
 * created on first use and is not part of the migrations.
 */
import type { Queryable } from '../core/ports.js';

export async function recordTestTick(db: Queryable, tick: { slot: Date; attempt: number; node: string; pid: number }): Promise<void> {
  try {
    await db.exec(`create table if not exists scheduler_test_ticks (
      id bigint generated always as identity primary key, slot timestamptz not null, attempt int not null, node text not null, pid int not null,
      at timestamptz not null default now())`);
  } catch {
    // another process created it at the same instant (a catalog race); it exists now
  }
  await db.query('insert into scheduler_test_ticks (slot, attempt, node, pid) values ($1, $2, $3, $4)', [tick.slot, tick.attempt, tick.node, tick.pid]);
}

export async function listTestTicks(db: Queryable): Promise<Array<{ slot: Date; attempt: number; node: string; pid: number }>> {
  const exists = await db.query<{ ok: boolean }>(`select to_regclass('scheduler_test_ticks') is not null as ok`);
  if (!exists.rows[0]?.ok) return [];
  const result = await db.query<{ slot: Date; attempt: number; node: string; pid: number }>('select slot, attempt, node, pid from scheduler_test_ticks order by slot, id');
  return result.rows;
}
