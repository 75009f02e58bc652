/**
 * Each table's and stream's bound, from the rate and its retention: rows (or bytes) per order ×
 * orders/s × (retention + one pruner pass) + the seed's rows, and whether the series stayed within
 * it and levelled off (its retention and a pass elapsed, and it grew in the last interval by less
 * than half of what it would have grown unpruned). Tables without a retention are the shop's
 * history (orders, payments, …): bounded by the orders placed, which is what they should hold.
 *
 * @example retentionOf("orders", "idempotency_keys", retention) // 86_400_000
 */
import type { SoakRetention } from "./retention";
import type { Sample } from "./sample";

/** A pruner pass a minute (shared/events/prune.ts), and JetStream's expiry: a series may overshoot by one. */
export const passMs = 60_000;

export interface BoundVerdict {
  series: string;
  kind: string;
  retentionMs: number | null;
  perOrder: number;
  bound: number;
  last: number;
  max: number;
  within: boolean;
  reached: boolean;
  levelled: boolean;
}

/** The retention that governs a table, by what the kit and orders name their tables; null: kept (history). */
export function tableRetention(table: string, retention: SoakRetention): { kind: string; ms: number | null } {
  if (table.includes("outbox")) return { kind: "sent outbox", ms: retention.outboxSentMs };
  if (table.includes("inbox")) return { kind: "inbox", ms: retention.inboxMs };
  if (table.includes("idempotency")) return { kind: "idempotency keys", ms: retention.idempotencyKeysMs };
  if (table.startsWith("saga")) return { kind: "finished sagas", ms: retention.sagaMs };
  return { kind: "history", ms: null };
}

export interface SeriesInput {
  series: string;
  kind: string;
  retentionMs: number | null;
  cap?: number;
  values: number[];
}

/** `values[0]` is the reading after seeding, `values[1]` the calibration reading (before any retention could apply). */
export function judgeSeries(input: SeriesInput, samples: Sample[]): BoundVerdict {
  const orders = samples.map((s) => s.counts.orders);
  const base = input.values[0]!;
  const perOrder = Math.max(0, (input.values[1]! - base) / Math.max(1, orders[1]! - orders[0]!));
  const peakRate = Math.max(...samples.slice(1).map((s, i) => (s.counts.orders - samples[i]!.counts.orders) / Math.max(0.001, s.atS - samples[i]!.atS)));
  const placed = orders[orders.length - 1]! - orders[0]!;
  const slack = Math.max(10, perOrder * 500);
  const grown = input.retentionMs === null ? perOrder * placed * 1.5 : perOrder * peakRate * ((input.retentionMs + passMs) / 1000);
  const bound = Math.min(base + grown + slack, input.cap ?? Infinity);
  const last = input.values[input.values.length - 1]!;
  const elapsedMs = (samples[samples.length - 1]!.atS - samples[0]!.atS) * 1000;
  const reached = input.retentionMs !== null && elapsedMs >= input.retentionMs + passMs;
  const lastGrowth = last - input.values[input.values.length - 2]!;
  const unpruned = perOrder * (orders[orders.length - 1]! - orders[orders.length - 2]!);
  return { ...input, perOrder, bound, last, max: Math.max(...input.values), within: Math.max(...input.values) <= bound, reached, levelled: reached && lastGrowth <= unpruned / 2 };
}

/** Every table of every worker and every stream, judged. */
export function judgeAll(samples: Sample[], retention: SoakRetention): BoundVerdict[] {
  const verdicts: BoundVerdict[] = [];
  const last = samples[samples.length - 1]!;
  for (const [worker, db] of Object.entries(last.databases)) {
    for (const table of Object.keys(db.rows)) {
      const { kind, ms } = tableRetention(table, retention);
      const values = samples.map((s) => s.databases[worker]?.rows[table] ?? 0);
      verdicts.push(judgeSeries({ series: `${worker}.${table}`, kind, retentionMs: ms, values }, samples));
    }
  }
  for (const stream of Object.keys(last.streams)) {
    const values = samples.map((s) => s.streams[stream]?.bytes ?? 0);
    verdicts.push(judgeSeries({ series: `stream ${stream} (bytes)`, kind: "stream", retentionMs: retention.streamMaxAgeMs, cap: retention.streamMaxBytes * 1.05, values }, samples));
  }
  return verdicts;
}
