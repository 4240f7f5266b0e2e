/**
 * Which backups to delete: those older than the retention period, except the newest backup whose
 * restore drill passed (never deleted, however old) and the newest backup of all.
 */

export interface RetentionCandidate {
  id: string;
  createdAt: Date;
  verifyStatus: 'ok' | 'failed' | null;
}

export interface PrunePlan<T extends RetentionCandidate> {
  delete: T[];
  keep: T[];
  /** Why an old backup is kept anyway, by id. */
  keptOld: Record<string, string>;
}

/** @param retentionDays backups created more than this many days before `now` may go */
export function planPrune<T extends RetentionCandidate>(backups: T[], now: Date, retentionDays: number): PrunePlan<T> {
  const cutoff = now.getTime() - retentionDays * 86_400_000;
  const newestFirst = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  const newestVerified = newestFirst.find((b) => b.verifyStatus === 'ok');
  const newest = newestFirst[0];
  const plan: PrunePlan<T> = { delete: [], keep: [], keptOld: {} };
  for (const backup of newestFirst) {
    const old = backup.createdAt.getTime() < cutoff;
    if (!old) plan.keep.push(backup);
    else if (backup === newestVerified) {
      plan.keep.push(backup);
      plan.keptOld[backup.id] = 'the newest verified backup';
    } else if (backup === newest) {
      plan.keep.push(backup);
      plan.keptOld[backup.id] = 'the newest backup';
    } else plan.delete.push(backup);
  }
  return plan;
}
