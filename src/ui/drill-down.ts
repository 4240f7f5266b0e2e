/**
 * What `enter` shows for the selected item of each panel: a title and text lines, loaded from the api
 * where the snapshot does not hold the detail (idea history and spend, job history, incident timeline,
 * budget by operation).
 */
import type { ConsoleApi, ConsoleSnapshot } from '../core/console-api.js';
import { ago, formatDuration, money, pad, shortDateTime, withUnit } from './format.js';
import type { PanelItem } from './panel-items.js';
import { displayWidth, sliceToWidth } from '../core/text-width.js';

export interface Drill {
  title: string;
  load(): Promise<string[]>;
}

const stamp = (at: Date) => `${shortDateTime(at)}:${at.toISOString().slice(17, 19)}`;

/**
 * Wrap text to `width` columns on spaces. Runs of spaces inside a row are kept (aligned columns stay
 * aligned); the spaces where a row breaks are dropped; a word longer than a row is split.
 */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let used = 0;
    for (const [, gap, word] of paragraph.matchAll(/(\s*)(\S+)/g) as IterableIterator<[string, string, string]>) {
      // terminal columns, not UTF-16 units: a CJK line was cut at the panel's edge instead of wrapped
      const w = displayWidth(word);
      if (line && used + gap.length + w > width) {
        out.push(line);
        line = word;
        used = w;
      } else {
        line = `${line}${gap}${word}`;
        used += gap.length + w;
      }
      while (used > width) {
        const head = sliceToWidth(line, width);
        if (head.text.length === 0) break; // one character wider than the line: leave it to the cut
        out.push(head.text);
        line = line.slice(head.text.length);
        used -= head.width;
      }
    }
    out.push(line);
  }
  return out;
}

export function drillDown(selected: PanelItem, api: ConsoleApi, snapshot: ConsoleSnapshot, width: number): Drill {
  const now = snapshot.takenAt.getTime();
  switch (selected.panel) {
    case 'budget': {
      const category = selected.item.name;
      return {
        title: `Budget by operation${category === 'total' ? '' : ` — ${category}`}`,
        async load() {
          const rows = (await api.budgetByOperation()).filter((r) => category === 'total' || r.category === category).sort((a, b) => b.cents - a.cents);
          if (rows.length === 0) return ['nothing spent in this cycle yet'];
          const total = rows.reduce((sum, r) => sum + r.cents, 0);
          return [
            `${pad('service', 14)} ${pad('operation', 24)} ${pad('category', 15)} ${pad('calls', 7, 'right')} ${pad('cost', 10, 'right')}`,
            ...rows.map((r) => `${pad(r.service, 14)} ${pad(r.operation, 24)} ${pad(r.category, 15)} ${pad(String(r.calls), 7, 'right')} ${pad(money(r.cents), 10, 'right')}`),
            '',
            `${rows.length} operations, ${money(total)} in all`,
          ];
        },
      };
    }
    case 'services': {
      const s = selected.item;
      return {
        title: `Service — ${s.name}`,
        load: async () => [
          `state    ${s.level}${s.offline ? ' (offline stand-in)' : ''}`,
          `latency  ${s.latencyMs === undefined ? '-' : `${Math.round(s.latencyMs)} ms`}`,
          `checked  ${s.live ? 'live: read with every refresh' : s.checkedAt ? `${stamp(s.checkedAt)} (${ago(s.checkedAt, now)})` : '-'}`,
          '',
          ...wrap(`reason: ${s.reason}`, width),
          '',
          'h runs a health check now.',
        ],
      };
    }
    case 'kpis': {
      const k = selected.item;
      return {
        title: `KPI — ${k.name}`,
        load: async () => [
          `value   ${withUnit(k.value, k.unit)}   level ${k.level}`,
          `target  ${k.target}`,
          '',
          `recent values (oldest first, ${k.history.length}):`,
          ...wrap(k.history.map((v) => withUnit(v, k.unit)).join(', '), width),
        ],
      };
    }
    case 'pipeline': {
      const idea = selected.item;
      return {
        title: `Idea — ${idea.title}`,
        async load() {
          const d = await api.ideaDetail(idea.id);
          return [
            `id        ${d.id}`,
            `category  ${d.category}    stage ${d.stage}    status ${d.status}    progress ${Math.round(d.progress * 100)}%`,
            `created   ${stamp(d.createdAt)}    updated ${stamp(d.updatedAt)} (${ago(d.updatedAt, now)})`,
            `spend     ${money(d.spendCents)}`,
            // one line: DetailView wraps it under its text, past the label
            `${pad(idea.kind ?? 'stuck', 9)} ${formatDuration(idea.heldForMs)} in ${idea.stage}: ${idea.reason.replace(/\s*\n\s*/g, ' ')}`,
            '',
            ...wrap(d.description, width),
            '',
            `stage history (${d.history.length}):`,
            ...d.history.map((h) => `  ${stamp(h.at)}  ${pad(h.from ?? '-', 10)} → ${pad(h.to, 10)} ${pad(h.actor, 14)} ${h.reason ?? ''}`.trimEnd()),
            '',
            `artifacts: ${d.artifacts.length ? d.artifacts.join(', ') : 'none'}`,
            '',
            'x resets it to a stage (with a cost preview); n moves it on to the next stage.',
          ];
        },
      };
    }
    case 'stage': {
      // (the App opens a stage's list instead: StageList, from `api.stageIdeas`)
      const { stage, count } = selected.item;
      return { title: `Stage ${stage}`, load: async () => [`${count} ideas in ${stage}`] };
    }
    case 'jobs': {
      const job = selected.item;
      return {
        title: `Job history — ${job.name}`,
        async load() {
          const runs = await api.jobHistory(job.name, 50);
          const head = [
            `schedule ${job.schedule}    ${job.paused ? 'PAUSED' : `next ${job.nextRunAt ? stamp(job.nextRunAt) : '-'}`}${job.running ? '    running now' : ''}`,
            ...(job.lastError ? wrap(`last error: ${job.lastError}`, width) : []),
            '',
          ];
          if (runs.length === 0) return [...head, 'no runs yet'];
          // Below 100 columns the host column gives way, so a row and its summary fit 80 columns.
          const host = (text: string) => (width >= 96 ? `${pad(text, 14)} ` : '');
          return [
            ...head,
            `${pad('scheduled for', 15)} ${pad('status', 10)} ${pad('took', 6, 'right')}  ${pad('trigger', 9)} ${pad('by', 10)} ${host('host')}error / summary`,
            ...runs.map(
              (r) =>
                `${pad(stamp(r.scheduledFor), 15)} ${pad(r.status, 10)} ${pad(r.durationMs === null ? '-' : `${(r.durationMs / 1000).toFixed(1)}s`, 6, 'right')}  ${pad(r.trigger ?? '-', 9)} ${pad(r.operator ?? '-', 10)} ${host(r.host)}${r.error ?? r.summary ?? ''}`.trimEnd(),
            ),
          ];
        },
      };
    }
    case 'incidents': {
      const inc = selected.item;
      return {
        title: `Incident #${inc.id} — ${inc.severity} ${inc.title}`,
        async load() {
          const events = await api.incidentTimeline(inc.id);
          return [
            `status ${inc.status}  source ${inc.source}  opened ${stamp(inc.openedAt)} (${ago(inc.openedAt, now)})  seen ${inc.count}×`,
            '',
            ...events.map((e) => `${stamp(e.at)}  ${pad(e.kind, 12)} ${e.actor ? `[${e.actor}] ` : ''}${e.message}`),
            '',
            'a acknowledges, s resolves with a note.',
          ];
        },
      };
    }
    case 'logs': {
      const line = selected.item;
      return {
        title: `Log line — ${stamp(line.time)} ${line.level}`,
        load: async () => {
          const fields = Object.entries(line.fields ?? {});
          const keyWidth = Math.min(16, Math.max(0, ...fields.map(([k]) => k.length)));
          return [
            `${line.level.toUpperCase()} ${line.scope ? `[${line.scope}] ` : ''}at ${line.time.toISOString()}`,
            '',
            ...wrap(line.msg, width),
            ...(fields.length ? ['', 'fields:', ...fields.flatMap(([k, v]) => wrap(`  ${pad(k, keyWidth)}  ${String(v)}`, width))] : []),
          ];
        },
      };
    }
  }
}
