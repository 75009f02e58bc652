/**
 * The live charts on /mesh: a row per worker (requests/s, p50/p99 latency, CPU, RSS, outbox
 * backlog, relay lag, consumer lag, dead letters, breaker changes) and the mesh's orders
 * confirmed/rejected per second, drawn in the browser by uPlot from `/mesh/series.json` (the
 * telemetry process's series) and redrawn as it refreshes. Each chart is titled with what it shows
 * and its latest value, so no legend is needed; a worker's restart is a red line and its time not
 * answering a red band on its charts. uPlot is served from the installed package, no CDN.
 *
 * @example app.get("/mesh/assets/:file", chartAsset); … chartsSection(["gateway", "users"]);
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";
import type { WorkerEnv } from "../../shared/worker/worker";
import { serviceColours } from "../../telemetry/trace-view";
import { meshSeriesOwner, seriesMetrics, workerCharts } from "../../telemetry/series-view";
import { escapeHtml } from "./page-kit";

/** How often the page asks for the series again. */
export const chartsRefreshMs = 5_000;

/** The charts' files: uPlot's own (from node_modules) and the page's script beside this file. */
function chartAssets(): Record<string, { body: string; type: string }> {
  const uplot = join(dirname(createRequire(import.meta.url).resolve("uplot/package.json")), "dist");
  const read = (file: string) => readFileSync(file, "utf8");
  return {
    "uplot.js": { body: read(join(uplot, "uPlot.iife.min.js")), type: "text/javascript; charset=utf-8" },
    "uplot.css": { body: read(join(uplot, "uPlot.min.css")), type: "text/css; charset=utf-8" },
    "charts.js": { body: read(join(dirname(fileURLToPath(import.meta.url)), "assets", "charts.js")), type: "text/javascript; charset=utf-8" },
  };
}

export function registerChartAssets(app: Hono<WorkerEnv>): void {
  const assets = chartAssets();
  for (const [file, asset] of Object.entries(assets)) {
    app.get(`/mesh/assets/${file}`, (c) => c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "public, max-age=3600" }));
  }
}

const style = `#charts .row,#charts .heads{display:flex;align-items:flex-start;gap:6px;margin-bottom:4px}#charts .who{flex:0 0 7em;font-weight:bold;padding-top:1.4em}
#charts .chart,#charts .heads div{flex:0 0 150px;width:150px;overflow:hidden}#charts .chart{min-height:96px;font-size:11px}#charts .chart .title{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#charts .chart.none{color:#aaa;padding-top:1.4em}#charts .heads{color:#555;font-size:12px}#charts .heads .who{flex:0 0 7em;padding:0}`;

/** The charts' place on the page; charts.js fills it. Worker names give each its row and colour. */
export function chartsSection(workers: readonly string[]): string {
  const colours = Object.fromEntries(serviceColours(workers));
  const heads = workerCharts.map((chart) => `<div>${escapeHtml(chartHeading(chart))}</div>`).join("");
  return `<style>${style}</style><section id="charts" data-series="/mesh/series.json" data-refresh-ms="${chartsRefreshMs}"
 data-workers="${escapeHtml(JSON.stringify([meshSeriesOwner, ...workers]))}" data-colours="${escapeHtml(JSON.stringify(colours))}"
 data-metrics="${escapeHtml(JSON.stringify(seriesMetrics))}" data-charts="${escapeHtml(JSON.stringify(workerCharts))}">
<h2>Live charts</h2><p>The last hour, from each worker's own <code>/metrics</code>. A red line: the worker restarted; a red band: it did not answer.</p>
<div class="heads"><div class="who"></div>${heads}</div><div id="chart-rows"><p class="loading">loading the series…</p></div></section>`;
}

function chartHeading(chart: string): string {
  const titles = Object.values(seriesMetrics).filter((metric) => metric.chart === chart);
  return titles.map((metric) => metric.title).join(" / ") + (titles[0]?.unit ? ` (${titles[0].unit})` : "");
}
