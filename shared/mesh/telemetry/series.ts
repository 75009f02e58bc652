/**
 * The dashboard's time series, kept in memory for a bounded window (the last hour by default):
 * one tick per scrape round, and on each tick one value per series (null where the worker did not
 * answer). A worker that stops answering, or answers with another pid, is an event (`down`,
 * `restarted`) its charts mark. The orders confirmed and rejected per second are the mesh's own
 * series, summed over the workers that report sagas.
 *
 * @example
 *   const series = createSeriesRing({ capacity: 720, intervalMs: 5_000 });
 *   series.record(Date.now(), [{ worker: "users", samples }, { worker: "payments", samples: null, error: "ECONNREFUSED" }]);
 *   series.json(); // { at: [...], series: [{ key: "users:cpu_pct", worker: "users", metric: "cpu_pct", values: [...] }], events: [...] }
 */
import type { Sample } from "../../../telemetry/prometheus-text";
import { meshSeriesOwner, type SeriesEvent, type SeriesJson } from "../../../telemetry/series-view";
import { pointsBetween, readingOf, type Reading, type WorkerPoints } from "./metric-points";

export type { SeriesEvent, SeriesJson } from "../../../telemetry/series-view";

export interface ScrapedWorker {
  worker: string;
  /** null: the scrape failed (`error` says why). */
  samples: Sample[] | null;
  error?: string;
}

const meshMetrics = ["confirmed_per_s", "rejected_per_s"] as const;
/** Bounds besides the window: series keys (workers × metrics) and events kept. */
const maxSeries = 400;
const maxEvents = 500;

export interface SeriesRing {
  record(at: number, scraped: readonly ScrapedWorker[]): void;
  json(): SeriesJson;
}

export function createSeriesRing(options: { capacity: number; intervalMs: number }): SeriesRing {
  const at: number[] = [];
  const values = new Map<string, (number | null)[]>();
  const last = new Map<string, { at: number; reading: Reading; up: boolean }>();
  const events: SeriesEvent[] = [];

  const note = (event: SeriesEvent) => {
    events.push(event);
    if (events.length > maxEvents) events.shift();
  };

  /** One worker's points at this tick (none on its first answer: rates need two), and its events. */
  const pointsOf = (tick: number, scraped: ScrapedWorker): WorkerPoints => {
    const previous = last.get(scraped.worker);
    if (!scraped.samples) {
      if (previous?.up) note({ at: tick, worker: scraped.worker, kind: "down", detail: scraped.error ?? "no answer" });
      if (previous) last.set(scraped.worker, { ...previous, up: false });
      return {};
    }
    const reading = readingOf(scraped.samples);
    if (previous && !previous.up) note({ at: tick, worker: scraped.worker, kind: "up", detail: `pid ${reading.pid ?? "?"}` });
    if (previous?.reading.pid && reading.pid && previous.reading.pid !== reading.pid) {
      note({ at: tick, worker: scraped.worker, kind: "restarted", detail: `pid ${previous.reading.pid} → ${reading.pid}` });
    }
    last.set(scraped.worker, { at: tick, reading, up: true });
    return previous ? pointsBetween(previous.reading, reading, Math.max(1, tick - previous.at)) : {};
  };

  const put = (key: string, value: number | null) => {
    let column = values.get(key);
    if (!column) {
      if (values.size >= maxSeries) return;
      values.set(key, (column = at.map(() => null)));
    }
    column[column.length - 1] = value;
  };

  const record = (tick: number, scraped: readonly ScrapedWorker[]) => {
    at.push(tick);
    for (const column of values.values()) column.push(null);
    const mesh = Object.fromEntries(meshMetrics.map((metric) => [metric, null as number | null]));
    for (const worker of scraped) {
      const points = pointsOf(tick, worker);
      for (const [metric, value] of Object.entries(points)) {
        if (metric in mesh) mesh[metric] = value === null ? mesh[metric]! : (mesh[metric] ?? 0) + value;
        else put(`${worker.worker}:${metric}`, value);
      }
    }
    for (const [metric, value] of Object.entries(mesh)) put(`${meshSeriesOwner}:${metric}`, value);
    if (at.length > options.capacity) {
      at.shift();
      for (const column of values.values()) column.shift();
    }
    while (events.length > 0 && events[0]!.at < at[0]!) events.shift();
  };

  const json = (): SeriesJson => ({
    intervalMs: options.intervalMs,
    at: [...at],
    series: [...values].map(([key, column]) => {
      const [worker, metric] = key.split(":") as [string, string];
      return { key, worker, metric, values: [...column] };
    }),
    events: [...events],
  });

  return { record, json };
}
