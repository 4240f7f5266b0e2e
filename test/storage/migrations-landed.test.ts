/**
 * Landed migrations are immutable. A database that applied a migration never applies it again, so an
 * edit to a landed file reaches only fresh installs: two installs of one version then differ (and
 * `studio db status` reports the file as "changed since applied"). Change the schema with a new numbered
 * migration instead. This list is the full SHA-256 of each landed file as committed; a new migration is
 * added to it in the commit that lands it.
 *
 * History: 0002_budget.sql was edited after it landed (commit b91f0df, the budget escrow shards, changed
 * it in place on 2026-11-28); the checksum below is the edited file's. Installs made before that commit
 * have the earlier 0002. The history is not rewritten; this test keeps it from happening again.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsDir } from '../../src/storage/migrate.js';

const LANDED: Record<string, string> = {
  '0001_foundation.sql': '4c1292459f68f99af3877b47601d3baa269b75cab9e7f8ba467e5b25a33d0dad',
  '0002_budget.sql': 'cbe4c5652f2d7521b5d299f3618ee30fa2bbe3c01ac7b941cb6fbce20814a4ce',
  '0003_ideas.sql': 'd45ca689518d67cebf36b84a9fffb2e83779083e5bbf32b4503f8d839e5ec60f',
  '0004_jobs.sql': '7493660c3eca5ed059e40b4f7c34325bc78e9759690a94c2247699421037a66e',
  '0005_health.sql': '0d3e158d099d089d934f19edd2487bb2ac75820c242fe40879c8c8de30b459e5',
  '0006_backups.sql': 'f73855576e04b0bff4f18c92060152b06c41fe4800b446aa5cdb29d09a10d936',
  '0007_pipeline.sql': 'ce918412e303dd1263170df6997d270791bbd3299a41a22e98885fe8242d3c02',
  '0008_idea_counts.sql': '3f74c124091e8f6016ab8e0397d7b2c52ba3be225fa383b3af5d378905d44e05',
  '0009_console_reads.sql': 'f4f8f5b604ec0da41adea3ee8b97ea2e97a97fc8dff71b81e8d703bc1b1323fb',
  '0010_node_stops.sql': 'd5513c8ba10a5eab5bc47c1af86b2869599282ccb6d102aec9bcf11475ecc247',
  '0011_awaiting_lists.sql': '48c39f79598d943a17415ada1eb54e1159bbfa5ae10c398423010dc2b18ca80d',
};

const dir = migrationsDir();
const files = readdirSync(dir).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
const sha256 = (file: string) => createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');

describe('landed migrations', () => {
  it('are all still there, byte for byte as they landed', () => {
    const changed = Object.entries(LANDED)
      .filter(([file, sum]) => !files.includes(file) || sha256(file) !== sum)
      .map(([file]) => (files.includes(file) ? `${file} was edited after it landed: revert it and put the change in a new migration` : `${file} was removed or renamed`));
    expect(changed).toEqual([]);
  });

  it('every migration file is in the landed list (add a new one when it lands)', () => {
    const unlisted = files.filter((f) => !(f in LANDED)).map((f) => `add to LANDED in test/storage/migrations-landed.test.ts:  '${f}': '${sha256(f)}',`);
    expect(unlisted).toEqual([]);
  });
});
