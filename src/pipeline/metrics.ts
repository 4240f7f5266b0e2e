/** /metrics families of the pipeline: ideas per stage and the states that need an operator. */
import type { MetricSource } from '../core/metrics.js';
import type { Queryable } from '../core/ports.js';
import { STAGES } from '../core/types.js';
import { pipelineCounts } from '../storage/idea-rollups.js';

export function pipelineMetricSource(db: Queryable, now: () => Date = () => new Date()): MetricSource {
  return {
    name: 'pipeline',
    async collect() {
      const counts = await pipelineCounts(db, now());
      const byStage = new Map(counts.stages.map((s) => [s.stage, s.count]));
      return [
        {
          name: 'studio_ideas',
          help: 'Ideas by current stage (every stage listed, 0 included)',
          type: 'gauge',
          samples: STAGES.map((stage) => ({ labels: { stage }, value: byStage.get(stage) ?? 0 })),
        },
        { name: 'studio_ideas_processing', help: 'Ideas held by a worker or waiting in a stage (not finished, rejected or parked)', type: 'gauge', samples: [{ value: counts.processing }] },
        { name: 'studio_ideas_parked', help: 'Ideas parked for an operator', type: 'gauge', samples: [{ value: counts.parked }] },
        { name: 'studio_ideas_waiting_on_budget', help: 'Ideas waiting for budget', type: 'gauge', samples: [{ value: counts.waitingOnBudget }] },
      ];
    },
  };
}
