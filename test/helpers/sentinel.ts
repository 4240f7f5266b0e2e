/** A real budget sentinel over a test database, with a manual clock and a silent logger. */
import { createManualClock } from '../../src/core/clock.js';
import type { Config } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Database } from '../../src/core/ports.js';
import { createSentinel, type Sentinel } from '../../src/pipeline/budget/sentinel.js';

export function testSentinel(db: Database, config: Config, overrides: { budget?: Partial<Config['budget']>; holder?: string } = {}): Sentinel {
  return createSentinel({
    db,
    config: { ...config, budget: { ...config.budget, ...overrides.budget } },
    clock: createManualClock(new Date()),
    logger: silentLogger(),
    holder: overrides.holder,
  });
}
