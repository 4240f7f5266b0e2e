/** What every part of the sentinel shares: its dependencies, this process's ledger identity, the levels. */
import type { Clock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { Database } from '../../core/ports.js';
import type { LevelCrossing } from './crossings.js';
import type { Thresholds } from './levels.js';

export interface SentinelContext {
  db: Database;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** Identifies this process in the ledger. */
  holder: string;
  /** The configured levels (a cycle keeps the ones it was opened with). */
  thresholds: Thresholds;
  onLevelCrossed?: (crossing: LevelCrossing) => void;
  /** The escrow shard for the next reservation: consecutive reservations of this process go to consecutive shards. */
  nextShard(): number;
}
