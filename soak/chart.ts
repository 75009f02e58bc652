/**
 * A dependency-free SVG line chart of a few series over time, for RESULTS.md (a static file a
 * README shows). The dashboard's charts (workers/gateway/dashboard-charts.ts) are drawn live in
 * the browser by uPlot from a JSON feed, which a committed Markdown page cannot run.
 *
 * @example lineChart("RSS (MB)", [{ name: "orders", points: [[0, 80], [60, 82]] }])
 */
export interface ChartSeries {
  name: string;
  points: [number, number][];
}

const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function lineChart(title: string, series: ChartSeries[], size = { width: 640, height: 280 }): string {
  const pad = { left: 56, right: 150, top: 28, bottom: 32 };
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  const maxX = Math.max(1, ...all.map(([x]) => x));
  const maxY = Math.max(1e-9, ...all.map(([, y]) => y)) * 1.1;
  const plotW = size.width - pad.left - pad.right;
  const plotH = size.height - pad.top - pad.bottom;
  const x = (v: number) => (pad.left + (v / maxX) * plotW).toFixed(1);
  const y = (v: number) => (pad.top + plotH - (v / maxY) * plotH).toFixed(1);
  const lines = series.map((s, i) => {
    const colour = palette[i % palette.length];
    const points = s.points.filter(([, v]) => Number.isFinite(v)).map(([px, py]) => `${x(px)},${y(py)}`);
    const legendY = pad.top + 14 * i + 8;
    return `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points.join(" ")}"/><text x="${size.width - pad.right + 8}" y="${legendY}" font-size="11" fill="${colour}">${escape(s.name)}</text>`;
  });
  const axes = `<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${pad.left + plotW}" y2="${pad.top + plotH}" stroke="#888"/><line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${pad.top + plotH}" stroke="#888"/>`;
  const labels = `<text x="${pad.left - 4}" y="${pad.top + 4}" font-size="10" text-anchor="end">${formatTick(maxY)}</text><text x="${pad.left - 4}" y="${pad.top + plotH}" font-size="10" text-anchor="end">0</text><text x="${pad.left + plotW}" y="${size.height - 8}" font-size="10" text-anchor="end">${formatTick(maxX / 60)} min</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="${pad.left}" y="16" font-size="13">${escape(title)}</text>${axes}${labels}${lines.join("")}</svg>\n`;
}

function formatTick(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toPrecision(2);
}
