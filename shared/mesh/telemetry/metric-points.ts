/**
 * From two scrapes of one worker's `/metrics` to the points the dashboard charts: requests per
 * second and p50/p99 latency (from the HTTP histogram's bucket increases, interpolated as
 * Prometheus' histogram_quantile does), CPU % and RSS, outbox backlog and relay lag, consumer lag
 * and dead letters, circuit-breaker state changes, and the confirmed/rejected sagas per second.
 * A counter that went down was reset by a restart: its increase is its new value.
 *
 * @example
 *   const now = readingOf(parsePrometheusText(text));
 *   pointsBetween(previous, now, 5_000); // { requests_per_s: 12.4, p50_ms: 3.1, p99_ms: 18, cpu_pct: 4.2, … }
 */
import { sampleValue, type Sample } from "../../../telemetry/prometheus-text";

/** The cumulative and current values of one scrape that the points are made from. */
export interface Reading {
  pid: string | null;
  requests: number;
  /** Cumulative requests per bucket upper bound (seconds), summed over routes. */
  buckets: Map<number, number>;
  cpuSeconds: number;
  rssBytes: number | null;
  confirmed: number;
  rejected: number;
  outbox: { pending: number; lagMs: number } | null;
  consumers: { lag: number; deadLetters: number } | null;
  breakers: Map<string, number> | null;
}

const has = (samples: Sample[], name: string) => samples.some((sample) => sample.name === name);

function bucketsOf(samples: Sample[]): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== "http_server_request_duration_bucket") continue;
    const le = sample.labels["le"] === "+Inf" ? Infinity : Number(sample.labels["le"]);
    buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
  }
  return buckets;
}

function breakersOf(samples: Sample[]): Map<string, number> | null {
  const states = samples.filter((sample) => sample.name === "breaker_state");
  return states.length === 0 ? null : new Map(states.map((sample) => [sample.labels["peer"] ?? "", sample.value]));
}

export function readingOf(samples: Sample[]): Reading {
  const lag = samples.filter((sample) => sample.name === "outbox_oldest_age_seconds").reduce((max, sample) => Math.max(max, sample.value), 0);
  const target = samples.find((sample) => sample.name === "target_info");
  return {
    pid: target?.labels["process_pid"] ?? null,
    requests: sampleValue(samples, "http_server_request_duration_count"),
    buckets: bucketsOf(samples),
    cpuSeconds: sampleValue(samples, "process_cpu_seconds_total"),
    rssBytes: has(samples, "process_resident_memory_bytes") ? sampleValue(samples, "process_resident_memory_bytes") : null,
    confirmed: sampleValue(samples, "saga_outcomes_total", { outcome: "confirmed" }),
    rejected: sampleValue(samples, "saga_outcomes_total", { outcome: "rejected" }),
    outbox: has(samples, "outbox_pending") ? { pending: sampleValue(samples, "outbox_pending"), lagMs: Math.round(lag * 1000) } : null,
    consumers: has(samples, "consumer_pending") ? { lag: sampleValue(samples, "consumer_pending"), deadLetters: sampleValue(samples, "dead_letters_total") } : null,
    breakers: breakersOf(samples),
  };
}

/** A counter's increase; after a reset (the process restarted) its whole new value. */
const increase = (before: number, after: number) => (after >= before ? after - before : after);

/** The `q` quantile (0..1) in ms of the requests counted between two cumulative bucket sets; null without requests. */
export function quantileMs(before: Map<number, number>, after: Map<number, number>, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => increase(before.get(le) ?? 0, after.get(le) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i]! < rank) continue;
    const upper = bounds[i]!;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    if (upper === Infinity) return lower * 1000;
    const below = i === 0 ? 0 : counts[i - 1]!;
    const share = counts[i]! === below ? 1 : (rank - below) / (counts[i]! - below);
    return (lower + (upper - lower) * share) * 1000;
  }
  return null;
}

export type WorkerPoints = Record<string, number | null>;

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function changedBreakers(before: Map<string, number> | null, after: Map<string, number>): number {
  return [...after].filter(([peer, state]) => (before?.get(peer) ?? 0) !== state).length;
}

/** One worker's points over the interval between two readings (`elapsedMs` apart). */
export function pointsBetween(before: Reading, after: Reading, elapsedMs: number): WorkerPoints {
  const perSecond = (a: number, b: number) => round(increase(a, b) / (elapsedMs / 1000));
  const restarted = before.pid !== null && after.pid !== null && before.pid !== after.pid;
  const from = restarted ? { ...before, requests: 0, buckets: new Map(), cpuSeconds: 0, confirmed: 0, rejected: 0 } : before;
  const points: WorkerPoints = {
    requests_per_s: perSecond(from.requests, after.requests),
    p50_ms: nullableRound(quantileMs(from.buckets, after.buckets, 0.5)),
    p99_ms: nullableRound(quantileMs(from.buckets, after.buckets, 0.99)),
    cpu_pct: round((increase(from.cpuSeconds, after.cpuSeconds) * 100_000) / elapsedMs, 1),
    rss_mb: after.rssBytes === null ? null : round(after.rssBytes / 1_048_576, 1),
    confirmed_per_s: perSecond(from.confirmed, after.confirmed),
    rejected_per_s: perSecond(from.rejected, after.rejected),
  };
  if (after.outbox) Object.assign(points, { outbox_backlog: after.outbox.pending, relay_lag_ms: after.outbox.lagMs });
  if (after.consumers) Object.assign(points, { consumer_lag: after.consumers.lag, dead_letters: after.consumers.deadLetters });
  if (after.breakers) points["breaker_changes"] = changedBreakers(restarted ? null : before.breakers, after.breakers);
  return points;
}

const nullableRound = (value: number | null) => (value === null ? null : round(value));
