import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { describeCliEachEngine, describeEachEngine } from '../helpers/db.js';
import { parseJson, runCli } from '../helpers/cli.js';
import { listIdeas, type ListFilter } from '../../src/storage/ideas.js';

interface Fixture {
  id: string;
  title: string;
  description: string;
  category: string;
  stage: string;
  status: string;
  parked: string | null;
  waiting: string | null;
}

// A small population that every filter splits differently, so a wrong predicate shows as a wrong set.
const FIXTURE: Fixture[] = [
  { title: 'Solar invoices for farms', description: 'Billing that follows the harvest', category: 'fintech', stage: 'IDEATE', status: 'VALIDATED', parked: null, waiting: null },
  { title: 'Clinic queue board', description: 'Waiting rooms that text you: 100% fewer chairs', category: 'healthtech', stage: 'RESEARCH', status: 'RESEARCHING', parked: null, waiting: null },
  { title: 'Tutor matching for SOLAR physics', description: 'Students meet tutors', category: 'edtech', stage: 'RESEARCH', status: 'RESEARCHING', parked: 'thin evidence', waiting: null },
  { title: 'Invoice_parser for shops', description: 'Reads receipts', category: 'fintech', stage: 'DECK', status: 'BUILDING', parked: null, waiting: 'openai_tokens' },
  { title: 'Retail shelf camera', description: 'Counts stock with solar power', category: 'ecommerce', stage: 'COMPLETE', status: 'DEPLOYED', parked: null, waiting: null },
  { title: 'Loan desk in a box', description: 'Small loans for shops', category: 'fintech', stage: 'RESEARCH', status: 'REJECTED', parked: null, waiting: null },
].map((f) => ({ ...f, id: randomUUID() }));

const PROCESSING = (f: Fixture) => f.stage !== 'COMPLETE' && !['REJECTED', 'ARCHIVED'].includes(f.status) && f.parked === null;

function expected(filter: ListFilter): string[] {
  return FIXTURE.filter((f) => {
    if (filter.status === 'processing' && !PROCESSING(f)) return false;
    if (filter.status === 'parked' && f.parked === null) return false;
    if (filter.status === 'waiting' && f.waiting === null) return false;
    if (filter.status && !['processing', 'parked', 'waiting'].includes(filter.status) && f.status !== filter.status) return false;
    if (filter.stage && f.stage !== filter.stage) return false;
    if (filter.category && f.category !== filter.category) return false;
    if (filter.search) {
      const needle = filter.search.toLowerCase();
      if (!f.title.toLowerCase().includes(needle) && !f.description.toLowerCase().includes(needle)) return false;
    }
    return true;
  })
    .map((f) => f.id)
    .sort();
}

const STATUS_VALUES: Array<ListFilter['status']> = [undefined, 'processing', 'parked', 'waiting', 'RESEARCHING', 'DEPLOYED', 'REJECTED'];
const STAGE_VALUES: Array<ListFilter['stage']> = [undefined, 'RESEARCH', 'COMPLETE', 'DECK'];
const CATEGORY_VALUES: Array<ListFilter['category']> = [undefined, 'fintech', 'edtech'];
// plain text, upper case (ilike), a literal % and _ (not wildcards), a quote, nothing matching
const SEARCH_VALUES = [undefined, 'solar', 'SHOPS', '100%', 'invoice_', "o'", 'zzz'];

describeEachEngine('studio list filters', (t) => {
  beforeAll(async () => {
    for (const f of FIXTURE) {
      await t.db.query(
        `insert into ideas (id, title, description, category, current_stage, status, parked_reason, waiting_on_budget) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [f.id, f.title, f.description, f.category, f.stage, f.status, f.parked, f.waiting],
      );
    }
  });

  it('every filter and every combination of them returns exactly the matching ideas', async () => {
    let combinations = 0;
    for (const status of STATUS_VALUES)
      for (const stage of STAGE_VALUES)
        for (const category of CATEGORY_VALUES)
          for (const search of SEARCH_VALUES) {
            const filter: ListFilter = { status, stage, category, search };
            const rows = await listIdeas(t.db, filter);
            expect(rows.map((r) => r.id).sort(), JSON.stringify(filter)).toEqual(expected(filter));
            combinations++;
          }
    expect(combinations).toBe(STATUS_VALUES.length * STAGE_VALUES.length * CATEGORY_VALUES.length * SEARCH_VALUES.length);
    // the search matches something on its own, so the combinations above are not all empty
    expect(expected({ search: 'solar' })).toHaveLength(3);
    expect(expected({ search: '100%' })).toHaveLength(1);
  });

  it('limit cuts the newest-first list', async () => {
    expect(await listIdeas(t.db, { limit: 2 })).toHaveLength(2);
    expect(await listIdeas(t.db, { search: 'solar', limit: 1 })).toHaveLength(1);
  });
});

describeCliEachEngine('studio list --search (the command)', (t) => {
  const run = (args: string[]) => runCli(args, { env: { ...t.env, LOG_LEVEL: 'info' }, timeoutMs: 60_000 });

  it('finds ideas by text in the title or description, alone and with other filters', async () => {
    const ideas = [
      { title: 'Solar invoices for farms', description: 'Billing that follows the harvest season', category: 'fintech' },
      { title: 'Clinic queue board app', description: 'Waiting rooms that text you, solar powered', category: 'healthtech' },
      { title: 'Tutor matching for schools', description: 'Students meet their tutors quickly', category: 'edtech' },
    ];
    for (const idea of ideas) {
      const made = await run(['create', '--title', idea.title, '--description', idea.description, '--category', idea.category]);
      expect(made.code, made.stderr).toBe(0);
    }
    const found = await run(['list', '--search', 'SOLAR', '--json']);
    expect(found.code, found.stderr).toBe(0);
    expect(parseJson<Array<{ title: string }>>(found).map((r) => r.title).sort()).toEqual(['Clinic queue board app', 'Solar invoices for farms']);

    const both = await run(['list', '--search', 'solar', '--category', 'fintech', '--stage', 'IDEATE', '--json']);
    expect(parseJson<Array<{ title: string }>>(both).map((r) => r.title)).toEqual(['Solar invoices for farms']);

    const none = await run(['list', '--search', 'nothing like this']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout.trim()).toBe('no ideas match');
  }, 120_000);
});
