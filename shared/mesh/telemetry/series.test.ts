import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "../../../telemetry/prometheus-text";
import { quantileMs, readingOf } from "./metric-points";
import { createSeriesRing } from "./series";

/** A worker's /metrics text as the kit renders it, with the given totals. */
function metricsText(pid: number, f: { requests: number; fast: number; cpu: number; confirmed?: number; pending?: number; breaker?: number }) {
  return [
    `target_info{service_name="orders",process_pid="${pid}"} 1`,
    `http_server_request_duration_bucket{http_route="/trpc/place",le="0.005"} ${f.fast}`,
    `http_server_request_duration_bucket{http_route="/trpc/place",le="0.01"} ${f.requests}`,
    `http_server_request_duration_bucket{http_route="/trpc/place",le="+Inf"} ${f.requests}`,
    `http_server_request_duration_count{http_route="/trpc/place"} ${f.requests}`,
    `process_cpu_seconds_total ${f.cpu}`,
    `process_resident_memory_bytes 104857600`,
    `saga_outcomes_total{outcome="confirmed",reason="none"} ${f.confirmed ?? 0}`,
    `outbox_pending{stream="orders"} ${f.pending ?? 0}`,
    `outbox_oldest_age_seconds{stream="orders"} 0.003`,
    `breaker_state{peer="inventory"} ${f.breaker ?? 0}`,
  ].join("\n");
}

const samples = (...args: Parameters<typeof metricsText>) => parsePrometheusText(metricsText(...args));

describe("metric series from scrapes", () => {
  it("interpolates quantiles inside the histogram bucket that holds them", () => {
    const before = new Map([
      [0.005, 0],
      [0.01, 0],
      [Infinity, 0],
    ]);
    const after = new Map([
      [0.005, 50],
      [0.01, 100],
      [Infinity, 100],
    ]);
    expect(quantileMs(before, after, 0.5)).toBe(5);
    expect(quantileMs(before, after, 0.99)).toBeCloseTo(9.9);
    expect(quantileMs(after, after, 0.5)).toBeNull();
  });

  it("turns two scrapes into rates, latency, CPU, RSS, backlog and lag, and breaker changes", () => {
    const ring = createSeriesRing({ capacity: 10, intervalMs: 5_000 });
    ring.record(0, [{ worker: "orders", samples: samples(7, { requests: 0, fast: 0, cpu: 1 }) }]);
    ring.record(5_000, [{ worker: "orders", samples: samples(7, { requests: 50, fast: 25, cpu: 1.5, confirmed: 10, pending: 4, breaker: 2 }) }]);
    const json = ring.json();
    const at = (key: string) => json.series.find((column) => column.key === key)?.values;
    expect(json.at).toEqual([0, 5_000]);
    expect(at("orders:requests_per_s")).toEqual([null, 10]);
    expect(at("orders:p50_ms")).toEqual([null, 5]);
    expect(at("orders:cpu_pct")).toEqual([null, 10]);
    expect(at("orders:rss_mb")).toEqual([null, 100]);
    expect(at("orders:outbox_backlog")).toEqual([null, 4]);
    expect(at("orders:relay_lag_ms")).toEqual([null, 3]);
    expect(at("orders:breaker_changes")).toEqual([null, 1]);
    expect(at("mesh:confirmed_per_s")).toEqual([null, 2]);
    expect(at("orders:confirmed_per_s")).toBeUndefined();
  });

  it("marks a worker that stops answering down, and one back with another pid restarted, its counters counted from zero", () => {
    const ring = createSeriesRing({ capacity: 10, intervalMs: 1_000 });
    ring.record(0, [{ worker: "payments", samples: samples(7, { requests: 100, fast: 100, cpu: 5 }) }]);
    ring.record(1_000, [{ worker: "payments", samples: samples(7, { requests: 110, fast: 110, cpu: 5.1 }) }]);
    ring.record(2_000, [{ worker: "payments", samples: null, error: "connection refused" }]);
    ring.record(3_000, [{ worker: "payments", samples: samples(9, { requests: 4, fast: 4, cpu: 0.2 }) }]);
    const json = ring.json();
    // The new process's 4 requests over the 2 s since the last answer.
    expect(json.series.find((column) => column.key === "payments:requests_per_s")!.values).toEqual([null, 10, null, 2]);
    expect(json.events.map(({ at, kind }) => ({ at, kind }))).toEqual([
      { at: 2_000, kind: "down" },
      { at: 3_000, kind: "up" },
      { at: 3_000, kind: "restarted" },
    ]);
  });

  it("keeps only the last `capacity` rounds, and the events within them", () => {
    const ring = createSeriesRing({ capacity: 3, intervalMs: 1_000 });
    ring.record(0, [{ worker: "users", samples: samples(1, { requests: 0, fast: 0, cpu: 0 }) }]);
    ring.record(1_000, [{ worker: "users", samples: null }]);
    for (let n = 2; n <= 6; n++) ring.record(n * 1_000, [{ worker: "users", samples: samples(1, { requests: n, fast: n, cpu: 0 }) }]);
    const json = ring.json();
    expect(json.at).toEqual([4_000, 5_000, 6_000]);
    expect(json.series.every((column) => column.values.length === 3)).toBe(true);
    expect(json.events).toEqual([]);
    expect(readingOf(samples(1, { requests: 3, fast: 1, cpu: 0 })).pid).toBe("1");
  });
});
