/**
 * The standard set of probes for a configuration: database, host, and an offline probe for each provider
 * without a key. Real provider probes, the budget probe and the scheduler probe are passed in `extra`
 * (the composition root builds them), and HEALTH_HTTP_PROBES adds HTTP probes; an extra probe replaces a
 * standard one of the same name.
 */
import type { Clock } from '../../core/clock.js';
import type { Config } from '../../core/config.js';
import type { ServiceProbe } from '../../core/health.js';
import type { Database } from '../../core/ports.js';
import { createDatabaseProbe } from './probes/database.js';
import { createHostProbe } from './probes/host.js';
import { createHttpProbe, createOfflineProviderProbes, providerKeys } from './probes/providers.js';

export interface HealthProbeDeps {
  config: Config;
  /** Omit when the database could not be opened (only host and providers are probed then). */
  db?: Database;
  clock?: Clock;
  /** More probes: real providers, budget (createBudgetProbe), scheduler (createSchedulerProbe) ... */
  extra?: ServiceProbe[];
}

export function buildHealthProbes(deps: HealthProbeDeps): ServiceProbe[] {
  const probes: ServiceProbe[] = [];
  if (deps.db) probes.push(createDatabaseProbe(deps.db, { clock: deps.clock }));
  probes.push(createHostProbe({ paths: { data: deps.config.paths.data, logs: deps.config.paths.logs, backups: deps.config.paths.backups } }));
  probes.push(...createOfflineProviderProbes(deps.config));
  const fromConfig = deps.config.health.httpProbes.map((p) => createHttpProbe({ name: p.name, url: p.url }));
  for (const probe of [...fromConfig, ...(deps.extra ?? [])]) {
    const at = probes.findIndex((p) => p.name === probe.name);
    if (at >= 0) probes[at] = probe;
    else probes.push(probe);
  }
  // a provider with a key but no probe passed in is listed, and says it is not checked
  for (const [name, configured] of Object.entries(providerKeys(deps.config))) {
    if (configured && !probes.some((p) => p.name === name)) {
      probes.push({ name, probe: async () => ({ name, level: 'HEALTHY', reason: 'configured; not probed (no provider probe installed)', details: { probed: false } }) });
    }
  }
  return probes;
}
