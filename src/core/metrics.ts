/**
 * Metrics for Prometheus, written by prom-client (the maintained client library). Any module can
 * contribute a `MetricSource` (budget, ideas per stage, service states ...) that reads its figures when
 * scraped; the headless scheduler serves them all on `/metrics`, beside its own in-process counters
 * (a prom-client `Registry` passed in as `registries`). A source that throws is reported as
 * `studio_metric_source_up{source="..."} 0`, never a 500.
 *
 * Naming (Prometheus conventions): counters end in `_total`; durations are in seconds (`_seconds`),
 * money in dollars (`_dollars`), timestamps in Unix seconds (`_timestamp_seconds`). A labelled family
 * holds no aggregate series (sum() over it is the total); totals have their own unlabelled family. No
 * label takes an unbounded set of values (no cycle id, idea id or error text).
 */
import { Counter, Gauge, Registry } from 'prom-client';

export interface MetricSample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  /** e.g. `studio_budget_spent_dollars`. */
  name: string;
  help: string;
  /** A counter's samples are running totals (never lower than on the previous scrape). */
  type: 'counter' | 'gauge';
  samples: MetricSample[];
}

export interface MetricSource {
  /** Short name shown in `studio_metric_source_up{source=...}`. */
  name: string;
  collect(): Promise<MetricFamily[]> | MetricFamily[];
}

/** Content type of the text exposition prom-client writes. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Families (and any ready registries) as Prometheus text exposition, written by prom-client. */
export async function renderMetrics(families: MetricFamily[], registries: Registry[] = []): Promise<string> {
  const scrape = new Registry();
  for (const family of families) {
    const labelNames = [...new Set(family.samples.flatMap((s) => Object.keys(s.labels ?? {})))];
    if (family.type === 'counter') {
      const counter = new Counter({ name: family.name, help: family.help, labelNames, registers: [scrape] });
      for (const s of family.samples) {
        if (s.labels && labelNames.length) counter.inc(s.labels, s.value);
        else counter.inc(s.value);
      }
    } else {
      const gauge = new Gauge({ name: family.name, help: family.help, labelNames, registers: [scrape] });
      for (const s of family.samples) {
        if (s.labels && labelNames.length) gauge.set(s.labels, s.value);
        else gauge.set(s.value);
      }
    }
  }
  return Registry.merge([...registries, scrape]).metrics();
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
