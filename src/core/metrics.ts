/**
 * Metrics in the Prometheus text format, without a client library. Any module can contribute a
 * `MetricSource` (budget, ideas per stage, service states ...); the headless scheduler serves them all on
 * `/metrics`. A source that throws is reported as `studio_metric_source_up{source="..."} 0`, never a 500.
 */

export interface MetricSample {
  labels?: Record<string, string>;
  value: number;
  /** Appended to the family name (histograms: `_bucket`, `_sum`, `_count`). */
  suffix?: string;
}

export interface MetricFamily {
  /** e.g. `studio_budget_spent_cents`. */
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: MetricSample[];
}

export interface MetricSource {
  /** Short name shown in `studio_metric_source_up{source=...}`. */
  name: string;
  collect(): Promise<MetricFamily[]> | MetricFamily[];
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const formatValue = (value: number) => (Number.isNaN(value) ? 'NaN' : value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : String(value));

/** Families as Prometheus text exposition (version 0.0.4). */
export function renderMetrics(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help.replace(/\n/g, ' ')}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {});
      const text = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      lines.push(`${family.name}${sample.suffix ?? ''}${text} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Collect every source; a failing source is marked down and the rest still served. */
export async function collectMetrics(sources: MetricSource[]): Promise<MetricFamily[]> {
  const up: MetricFamily = { name: 'studio_metric_source_up', help: 'Whether a metric source could be collected (1) or failed (0)', type: 'gauge', samples: [] };
  const families: MetricFamily[] = [];
  for (const source of sources) {
    try {
      families.push(...(await source.collect()));
      up.samples.push({ labels: { source: source.name }, value: 1 });
    } catch {
      up.samples.push({ labels: { source: source.name }, value: 0 });
    }
  }
  return [...families, up];
}
