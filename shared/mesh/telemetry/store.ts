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

const tooLong = (value: AttributeValue): boolean => (typeof value === "string" ? value.length > maxStringLength : Array.isArray(value) && value.some(tooLong));

/** The attributes with long strings cut, copied only when one is (most spans have none). */
function kept(attributes: Record<string, AttributeValue>): Record<string, AttributeValue> {
  for (const key in attributes) {
    if (tooLong(attributes[key]!)) return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, trimmed(value)]));
  }
  return attributes;
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
    attributes: JSON.stringify(kept(span.attributes)),
    events: span.events.length === 0 ? "[]" : JSON.stringify(span.events.map((event) => ({ name: event.name, atUs: micros(event.timeNs), attributes: kept(event.attributes) }))),
  };
}

const placeholdersOf = (row: object) => Object.fromEntries(Object.keys(row).map((key) => [key, sql.placeholder(key)]));

const emptyTotals = {
  traceId: "",
  startUs: 0,
  endUs: 0,
  spanCount: 0,
  errorCount: 0,
  name: "",
  service: "",
  hasRoot: false,
  correlationId: null,
  orderId: null,
  durationMs: 0,
  receivedAt: 0,
};

/** The statements one export runs, prepared once: a span's insert, a trace's summary upsert, a trace's service. */
function prepareWrites(db: TelemetryDb) {
  const insertSpan = db
    .insert(spans)
    .values(placeholdersOf(spanRow(emptySpan)) as never)
    .onConflictDoNothing()
    .prepare();
  const upsertTrace = db
    .insert(traces)
    .values(placeholdersOf(emptyTotals) as never)
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
    .prepare();
  const insertService = db
    .insert(traceServices)
    .values(placeholdersOf({ service: "", traceId: "", startUs: 0 }) as never)
    .onConflictDoNothing()
    .prepare();
  return {
    /** True when the span is new (a repeat is known by its row count). */
    span: (span: ReceivedSpan) => (insertSpan.run(spanRow(span)) as unknown as { changes: number }).changes > 0,
    totals(totals: TraceTotals, receivedAt: number) {
      const { services, ...columns } = totals;
      upsertTrace.run({ ...columns, hasRoot: columns.hasRoot ? 1 : 0, durationMs: (totals.endUs - totals.startUs) / 1000, receivedAt });
      for (const service of services) insertService.run({ service, traceId: totals.traceId, startUs: totals.startUs });
    },
  };
}

export function createTraceStore(db: TelemetryDb, bounds: TraceStoreBounds, now: () => number = Date.now): TraceStore {
  // Prepared once: an export brings up to thousands of spans, each its own insert.
  const write = prepareWrites(db);

  const ingest = (received: readonly ReceivedSpan[]) =>
    db.transaction(() => {
      const stored = received.filter((span) => span.traceId && span.spanId && write.span(span));
      const receivedAt = now();
      for (const totals of traceTotalsOf(stored)) write.totals(totals, receivedAt);
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
