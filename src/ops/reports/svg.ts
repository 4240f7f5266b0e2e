/** Small inline SVG charts for the HTML reports: no script, no external file, readable when printed. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

export interface Bar {
  label: string;
  value: number;
}

/** A horizontal bar chart with values at the bar ends; `threshold` draws a dashed line (e.g. a KPI limit). */
export function barChart(bars: Bar[], options: { title: string; unit: string; max?: number; threshold?: number }): string {
  if (bars.length === 0) return '';
  const rowHeight = 26;
  const labelWidth = 130;
  const chartWidth = 520;
  const top = 28;
  const height = top + bars.length * rowHeight + 8;
  const max = Math.max(options.max ?? 0, options.threshold ?? 0, ...bars.map((b) => b.value), 1e-9);
  const x = (v: number) => labelWidth + (Math.max(0, v) / max) * chartWidth;
  const format = (v: number) => (options.unit === '$' ? `$${v.toFixed(2)}` : `${Number.isInteger(v) ? v : v.toFixed(1)}${options.unit ? ` ${options.unit}` : ''}`);
  const rows = bars
    .map((b, i) => {
      const y = top + i * rowHeight;
      const w = Math.max(1, x(b.value) - labelWidth);
      const over = options.threshold !== undefined && b.value > options.threshold;
      return `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end" font-size="12" fill="#3a4150">${escapeHtml(b.label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 10}" rx="3" fill="${over ? '#d84315' : '#3f6fd8'}"/>` +
        `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 16}" font-size="12" fill="#1d2330">${escapeHtml(format(b.value))}</text>`;
    })
    .join('');
  const threshold =
    options.threshold !== undefined
      ? `<line x1="${x(options.threshold).toFixed(1)}" y1="${top}" x2="${x(options.threshold).toFixed(1)}" y2="${height - 6}" stroke="#d84315" stroke-dasharray="4 3"/>`
      : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(options.title)}" width="${labelWidth + chartWidth + 90}" height="${height}" viewBox="0 0 ${labelWidth + chartWidth + 90} ${height}">` +
    `<text x="0" y="16" font-size="13" font-weight="600" fill="#1d2330">${escapeHtml(options.title)}</text>${rows}${threshold}</svg>`;
}
