import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../helpers/db.js';
import { pipelineCounts } from '../../src/storage/idea-rollups.js';

// The console reads stage counts from the trigger-kept roll-up: it must always equal a full count.
describeEachEngine('idea counts roll-up', (t) => {
  it('stays equal to grouping the ideas table through inserts, moves, parking and deletes', async () => {
    const ids = Array.from({ length: 40 }, () => randomUUID());
    for (const [i, id] of ids.entries()) {
      await t.db.query(`insert into ideas (id, title, description) values ($1, $2, 'A description long enough')`, [id, `Roll-up idea number ${i}`]);
    }
    await t.db.query(`update ideas set current_stage = 'RESEARCH', status = 'RESEARCHING' where id = any($1::uuid[])`, [ids.slice(0, 20)]);
    await t.db.query(`update ideas set current_stage = 'DECK', status = 'BUILDING' where id = any($1::uuid[])`, [ids.slice(0, 5)]);
    await t.db.query(`update ideas set parked_reason = 'thin evidence' where id = any($1::uuid[])`, [ids.slice(5, 9)]);
    await t.db.query(`update ideas set title = 'Renamed roll-up idea' where id = $1`, [ids[30]]); // no count change
    await t.db.query(`update ideas set status = 'REJECTED' where id = any($1::uuid[])`, [ids.slice(9, 12)]);
    await t.db.query(`delete from ideas where id = any($1::uuid[])`, [ids.slice(35)]);

    const counts = await pipelineCounts(t.db, new Date());
    const truth = await t.db.query<{ stage: string; n: number }>('select current_stage as stage, count(*)::int as n from ideas group by 1');
    expect(Object.fromEntries(counts.stages.map((s) => [s.stage, s.count]))).toEqual(Object.fromEntries(truth.rows.map((r) => [r.stage, r.n])));
    const parked = await t.db.query<{ n: number }>('select count(*)::int as n from ideas where parked_reason is not null');
    expect(counts.parked).toBe(parked.rows[0]!.n);
    const processing = await t.db.query<{ n: number }>(
      `select count(*)::int as n from ideas where current_stage <> 'COMPLETE' and status not in ('REJECTED', 'ARCHIVED') and parked_reason is null`,
    );
    expect(counts.processing).toBe(processing.rows[0]!.n);
    expect(counts.total).toBe(35);
  });
});
