/** `studio_settings`: small facts about this installation (the embedding size it was made with, one-off markers). */
import type { Queryable } from '../core/ports.js';

export async function getSetting(db: Queryable, key: string): Promise<string | undefined> {
  const result = await db.query<{ value: string }>('select value from studio_settings where key = $1', [key]);
  return result.rows[0]?.value;
}

/** Set `key` unless it is set already; true when this call set it. */
export async function setSettingOnce(db: Queryable, key: string, value: string): Promise<boolean> {
  const result = await db.query('insert into studio_settings (key, value) values ($1, $2) on conflict (key) do nothing', [key, value]);
  return result.rowCount > 0;
}
