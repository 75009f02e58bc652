/**
 * Reading the trace store: recent traces newest first, filtered by correlation id, order id,
 * trace id, service, errors only and a least duration, a page at a time (`beforeMs`: the last
 * row's start); and the spans of given traces, as the JSON the gateway and `mesh trace` read.
 *
 * @example
 *   searchTraces(db, { correlationId: "my-order-1" }); // [{ traceId, name: "POST /api/orders", spanCount: 41, … }]
 *   spansOf(db, ["4bf92f35…"]);                        // [{ service: "gateway", name: "POST /api/orders", … }]
 */
import { and, asc, desc, eq, gt, gte, inArray, lt, type SQL } from "drizzle-orm";
import { spanKindNames, spanStatusNames, type TraceFilter, type TraceSpan, type TraceSummary } from "../../../telemetry/trace-query";
import { spans, traces, traceServices } from "./schema";
import type { TelemetryDb } from "./store";

export const defaultPageSize = 50;
export const maxPageSize = 200;

function conditionsOf(filter: TraceFilter): SQL[] {
  const conditions: (SQL | undefined)[] = [
    filter.traceId ? eq(traces.traceId, filter.traceId) : undefined,
    filter.correlationId ? eq(traces.correlationId, filter.correlationId) : undefined,
    filter.orderId ? eq(traces.orderId, filter.orderId) : undefined,
    filter.errorsOnly ? gt(traces.errorCount, 0) : undefined,
    filter.minDurationMs !== undefined ? gte(traces.durationMs, filter.minDurationMs) : undefined,
    filter.beforeMs !== undefined ? lt(traces.startUs, Math.round(filter.beforeMs * 1000)) : undefined,
    filter.service ? eq(traceServices.service, filter.service) : undefined,
  ];
  return conditions.filter((condition): condition is SQL => condition !== undefined);
}

export function searchTraces(db: TelemetryDb, filter: TraceFilter): TraceSummary[] {
  const limit = Math.min(filter.limit ?? defaultPageSize, maxPageSize);
  const base = db.select({ trace: traces }).from(traces);
  const joined = filter.service ? base.innerJoin(traceServices, eq(traceServices.traceId, traces.traceId)) : base;
  const rows = joined
    .where(and(...conditionsOf(filter)))
    .orderBy(desc(traces.startUs))
    .limit(limit)
    .all()
    .map((row) => row.trace);
  const services = servicesOf(
    db,
    rows.map((row) => row.traceId),
  );
  return rows.map((row) => ({
    traceId: row.traceId,
    name: row.name,
    service: row.service,
    startMs: row.startUs / 1000,
    durationMs: row.durationMs,
    spanCount: row.spanCount,
    errorCount: row.errorCount,
    services: services.get(row.traceId) ?? [],
    correlationId: row.correlationId,
    orderId: row.orderId,
  }));
}

function servicesOf(db: TelemetryDb, traceIds: string[]): Map<string, string[]> {
  const byTrace = new Map<string, string[]>();
  if (traceIds.length === 0) return byTrace;
  const rows = db.select().from(traceServices).where(inArray(traceServices.traceId, traceIds)).orderBy(asc(traceServices.service)).all();
  for (const row of rows) byTrace.set(row.traceId, [...(byTrace.get(row.traceId) ?? []), row.service]);
  return byTrace;
}

type StoredEvent = { name: string; atUs: number; attributes: TraceSpan["attributes"] };

/** Every span of the given traces, earliest first. */
export function spansOf(db: TelemetryDb, traceIds: string[]): TraceSpan[] {
  if (traceIds.length === 0) return [];
  const rows = db.select().from(spans).where(inArray(spans.traceId, traceIds)).orderBy(asc(spans.startUs)).all();
  return rows.map((row) => ({
    traceId: row.traceId,
    spanId: row.spanId,
    parentSpanId: row.parentSpanId,
    service: row.service,
    name: row.name,
    kind: spanKindNames[row.kind] ?? "unspecified",
    startMs: row.startUs / 1000,
    durationMs: row.durationUs / 1000,
    status: spanStatusNames[row.statusCode] ?? "unset",
    statusMessage: row.statusMessage,
    attributes: JSON.parse(row.attributes),
    events: (JSON.parse(row.events) as StoredEvent[]).map((event) => ({ name: event.name, atMs: event.atUs / 1000, attributes: event.attributes })),
  }));
}
