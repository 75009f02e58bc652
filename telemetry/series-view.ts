/**
 * The dashboard's time series as the telemetry process serves them (`GET /series`, the gateway's
 * `/mesh/series.json`): one time axis, a column of values per series (`<worker>:<metric>`, null
 * where the worker did not answer), and the events a chart marks (a worker down, back up,
 * restarted with another pid). `seriesMetrics` says how each metric reads, for titles and axes.
 */

export interface SeriesEvent {
  at: number;
  worker: string;
  kind: "down" | "up" | "restarted";
  detail: string;
}

export interface SeriesColumn {
  key: string;
  worker: string;
  metric: string;
  values: (number | null)[];
}

export interface SeriesJson {
  intervalMs: number;
  /** Epoch ms of each scrape round. */
  at: number[];
  series: SeriesColumn[];
  events: SeriesEvent[];
}

/** The owner of the mesh-wide series (orders confirmed and rejected). */
export const meshSeriesOwner = "mesh";

/** Each metric: its chart's title, its unit, and the chart it shares (p50 and p99 are one chart). */
export const seriesMetrics: Record<string, { title: string; unit: string; chart: string }> = {
  requests_per_s: { title: "requests", unit: "/s", chart: "requests" },
  p50_ms: { title: "p50", unit: "ms", chart: "latency" },
  p99_ms: { title: "p99", unit: "ms", chart: "latency" },
  cpu_pct: { title: "CPU", unit: "%", chart: "cpu" },
  rss_mb: { title: "RSS", unit: "MiB", chart: "rss" },
  outbox_backlog: { title: "outbox backlog", unit: "rows", chart: "outbox" },
  relay_lag_ms: { title: "relay lag", unit: "ms", chart: "relay" },
  consumer_lag: { title: "consumer lag", unit: "msgs", chart: "consumers" },
  dead_letters: { title: "dead letters", unit: "", chart: "dead" },
  breaker_changes: { title: "breaker changes", unit: "", chart: "breakers" },
  confirmed_per_s: { title: "confirmed", unit: "/s", chart: "orders" },
  rejected_per_s: { title: "rejected", unit: "/s", chart: "orders" },
};

/** The per-worker charts, in the order of a worker's row. */
export const workerCharts = ["requests", "latency", "cpu", "rss", "outbox", "relay", "consumers", "dead", "breakers"] as const;
