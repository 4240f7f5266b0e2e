import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planPrune } from '../../src/ops/backup/retention.js';
import { backupStamp, freeBackupId } from '../../src/ops/backup/manifest.js';
import { parseToolVersion, toolConnection } from '../../src/storage/backup-postgres.js';

const day = 86_400_000;
const now = new Date('2026-06-30T12:00:00Z');
const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * day);

describe('backup retention', () => {
  it('deletes what is older than the retention, but never the newest verified backup', () => {
    const backups = [
      { id: 'a', createdAt: at(60), verifyStatus: 'ok' as const },
      { id: 'b', createdAt: at(45), verifyStatus: 'ok' as const },
      { id: 'c', createdAt: at(40), verifyStatus: 'failed' as const },
      { id: 'd', createdAt: at(2), verifyStatus: 'failed' as const },
      { id: 'e', createdAt: at(1), verifyStatus: null },
    ];
    const plan = planPrune(backups, now, 30);
    expect(plan.delete.map((b) => b.id)).toEqual(['c', 'a']);
    expect(plan.keep.map((b) => b.id)).toEqual(['e', 'd', 'b']);
    expect(plan.keptOld).toEqual({ b: 'the newest verified backup' });
  });

  it('keeps the newest backup even when all are old and none verified', () => {
    const plan = planPrune([{ id: 'x', createdAt: at(90), verifyStatus: null }, { id: 'y', createdAt: at(80), verifyStatus: 'failed' as const }], now, 30);
    expect(plan.delete.map((b) => b.id)).toEqual(['x']);
    expect(plan.keptOld).toEqual({ y: 'the newest backup' });
  });
});

describe('backup names and tools', () => {
  it('ids are the UTC time, with a suffix when that second is taken', () => {
    expect(backupStamp(new Date('2026-11-28T03:00:07.123Z'))).toBe('20261128-030007');
    const dir = mkdtempSync(join(tmpdir(), 'studio-ids-'));
    const time = new Date('2026-11-28T03:00:07Z');
    expect(freeBackupId(dir, time)).toBe('20261128-030007');
    writeFileSync(join(dir, 'studio-20261128-030007-server.dump'), '');
    expect(freeBackupId(dir, time)).toBe('20261128-030007-2');
    expect(freeBackupId(dir, time, (id) => id === '20261128-030007-2')).toBe('20261128-030007-3');
  });

  it('reads client tool versions, old and new style', () => {
    expect(parseToolVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)')).toEqual({ text: '15.20', major: 15 });
    expect(parseToolVersion('pg_dump (PostgreSQL) 9.6.24')).toEqual({ text: '9.6', major: 9.6 });
    expect(parseToolVersion('pg_restore (PostgreSQL) 17')).toEqual({ text: '17', major: 17 });
    expect(parseToolVersion('something else 1.0')).toBeUndefined();
  });

  it('gives the tools the password in the environment, never on the command line', () => {
    const conn = toolConnection('postgres://studio:p%40ss@db.example:5433/studio?sslmode=require', 'scratch');
    expect(conn.dbname).toBe('postgres://studio@db.example:5433/scratch?sslmode=require');
    expect(conn.env.PGPASSWORD).toBe('p@ss');
  });
});
