/**
 * The mesh's trace store: spans in (decoded OTLP exports), kept in the telemetry process's own
 * SQLite file within its bounds. Each export is one transaction: its spans (a span exported twice
 * is kept once), then one summary row per trace it touched (start, end, counts, root, correlation
 * and order id) and the services it touched. After each export, and on a timer for age, `prune`
 * removes the oldest traces whole, a small batch per transaction, until the store is within
 * `maxTraces`, `maxSpans` and `maxAgeMs` again: it is never more than one export above them.
 *
 * @example
 *   const store = createTraceStore(database.db, { maxTraces: 10_000, maxSpans: 200_000, maxAgeMs: 3_600_000, pruneBatch: 200 });
 *   store.ingest(decodeTraceExport(body)); store.prune();
 */
import { asc, count, inArray, lt, sql, sum } from "drizzle-orm";
import type { WorkerDb } from "../../db/db";
import type { AttributeValue, ReceivedSpan } from "../../../telemetry/otlp-decode";
import { spans, traces, traceServices, type telemetrySchema } from "./schema";
import { traceTotalsOf, type TraceTotals } from "./trace-totals";

export type TelemetryDb = WorkerDb<typeof telemetrySchema>;

export interface TraceStoreBounds {
  maxTraces: number;
  maxSpans: number;
  maxAgeMs: number;
  /** Traces removed per pruning transaction. */
  pruneBatch: number;
}

export interface TraceStore {
  /** Stores one export's spans; returns how many were new (a repeated span is not). */
  ingest(received: readonly ReceivedSpan[]): number;
  /** Removes the oldest traces until within the bounds; returns how many went. */
  prune(): number;
  /** What the store holds now. */
  size(): { traces: number; spans: number };
}

/** Longest string attribute value kept: a span is a summary, not a payload. */
const maxStringLength = 2_000;

const trimmed = (value: AttributeValue): AttributeValue =>
  typeof value === "string" && value.length > maxStringLength ? `${value.slice(0, maxStringLength)}…` : Array.isArray(value) ? value.map(trimmed) : value;

function attributesJson(attributes: Record<string, AttributeValue>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, trimmed(value)])));
}

const micros = (ns: bigint) => Number(ns / 1000n);

const emptySpan: ReceivedSpan = {
  service: "",
  resource: {},
  traceId: "",
  spanId: "",
  parentSpanId: null,
  name: "",
  kind: 0,
  attributes: {},
  events: [],
  statusCode: 0,
  statusMessage: "",
  startNs: 0n,
  endNs: 0n,
};

function spanRow(span: ReceivedSpan) {
  const startUs = micros(span.startNs);
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    service: span.service,
    name: span.name,
    kind: span.kind,
    startUs,
    durationUs: Math.max(0, micros(span.endNs) - startUs),
    statusCode: span.statusCode,
    statusMessage: span.statusMessage || null,
    attributes: attributesJson(span.attributes),
    events: JSON.stringify(span.events.map((event) => ({ name: event.name, atUs: micros(event.timeNs), attributes: JSON.parse(attributesJson(event.attributes)) }))),
  };
}

function writeTotals(tx: TelemetryDb, totals: TraceTotals, receivedAt: number): void {
  const { services, ...columns } = totals;
  const row = { ...columns, durationMs: (totals.endUs - totals.startUs) / 1000, receivedAt };
  tx.insert(traces)
    .values(row)
    .onConflictDoUpdate({
      target: traces.traceId,
      set: {
        startUs: sql`min(${traces.startUs}, excluded.start_us)`,
        endUs: sql`max(${traces.endUs}, excluded.end_us)`,
        durationMs: sql`(max(${traces.endUs}, excluded.end_us) - min(${traces.startUs}, excluded.start_us)) / 1000.0`,
        spanCount: sql`${traces.spanCount} + excluded.span_count`,
        errorCount: sql`${traces.errorCount} + excluded.error_count`,
        // The root's name once it arrives; before that, the earliest span's.
        name: sql`case when excluded.has_root or (not ${traces.hasRoot} and excluded.start_us < ${traces.startUs}) then excluded.name else ${traces.name} end`,
        service: sql`case when excluded.has_root or (not ${traces.hasRoot} and excluded.start_us < ${traces.startUs}) then excluded.service else ${traces.service} end`,
        hasRoot: sql`${traces.hasRoot} or excluded.has_root`,
        correlationId: sql`coalesce(${traces.correlationId}, excluded.correlation_id)`,
        orderId: sql`coalesce(${traces.orderId}, excluded.order_id)`,
      },
    })
    .run();
  for (const service of services) {
    tx.insert(traceServices).values({ service, traceId: totals.traceId, startUs: totals.startUs }).onConflictDoNothing().run();
  }
}

export function createTraceStore(db: TelemetryDb, bounds: TraceStoreBounds, now: () => number = Date.now): TraceStore {
  // Prepared once: an export brings up to thousands of spans, each its own insert (so a repeat is known by its row count).
  const placeholders = Object.fromEntries(Object.keys(spanRow(emptySpan)).map((key) => [key, sql.placeholder(key)]));
  const insert = db
    .insert(spans)
    .values(placeholders as never)
    .onConflictDoNothing()
    .prepare();
  const insertSpan = (span: ReceivedSpan) => (insert.run(spanRow(span)) as unknown as { changes: number }).changes > 0;

  const ingest = (received: readonly ReceivedSpan[]) =>
    db.transaction((tx) => {
      const stored = received.filter((span) => span.traceId && span.spanId && insertSpan(span));
      for (const totals of traceTotalsOf(stored)) writeTotals(tx as TelemetryDb, totals, now());
      return stored.length;
    });

  const size = () => {
    const [row] = db
      .select({ traces: count(), spans: sum(traces.spanCount) })
      .from(traces)
      .all();
    return { traces: row?.traces ?? 0, spans: Number(row?.spans ?? 0) };
  };

  const oldest = (limit: number) => db.select({ traceId: traces.traceId, spanCount: traces.spanCount }).from(traces).orderBy(asc(traces.receivedAt)).limit(limit).all();

  /** The next batch to remove: past their age, else the oldest beyond the count or span bound. */
  const victims = (): string[] => {
    const expired = db
      .select({ traceId: traces.traceId })
      .from(traces)
      .where(lt(traces.receivedAt, now() - bounds.maxAgeMs))
      .orderBy(asc(traces.receivedAt))
      .limit(bounds.pruneBatch)
      .all();
    if (expired.length > 0) return expired.map((row) => row.traceId);
    const held = size();
    const [overTraces, overSpans] = [held.traces - bounds.maxTraces, held.spans - bounds.maxSpans];
    const chosen: string[] = [];
    let freed = 0;
    for (const row of overTraces > 0 || overSpans > 0 ? oldest(bounds.pruneBatch) : []) {
      if (chosen.length >= overTraces && freed >= overSpans) break;
      chosen.push(row.traceId);
      freed += row.spanCount;
    }
    return chosen;
  };

  const remove = (ids: string[]) =>
    db.transaction((tx) => {
      tx.delete(spans).where(inArray(spans.traceId, ids)).run();
      tx.delete(traceServices).where(inArray(traceServices.traceId, ids)).run();
      tx.delete(traces).where(inArray(traces.traceId, ids)).run();
    });

  const prune = () => {
    let removed = 0;
    for (let ids = victims(); ids.length > 0; ids = victims()) {
      remove(ids);
      removed += ids.length;
    }
    return removed;
  };

  return { ingest, prune, size };
}
