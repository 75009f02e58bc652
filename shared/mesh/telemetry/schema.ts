/**
 * The trace store's tables (DATA_DIR/telemetry.db, owned by the telemetry process alone): one row
 * per trace with what its list and filters need (indexed by start, correlation id, order id,
 * errors, duration and first receipt, the pruning order), the services each trace touched, and
 * its spans keyed by (trace, span) so a span exported twice is kept once.
 */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const traces = sqliteTable(
  "traces",
  {
    traceId: text("trace_id").primaryKey(),
    /** Epoch microseconds of the first span's start and the last span's end. */
    startUs: integer("start_us").notNull(),
    endUs: integer("end_us").notNull(),
    durationMs: real("duration_ms").notNull(),
    spanCount: integer("span_count").notNull(),
    errorCount: integer("error_count").notNull(),
    /** The root span's (or, until it arrives, the earliest span's) name and service. */
    name: text("name"),
    service: text("service"),
    hasRoot: integer("has_root", { mode: "boolean" }).notNull(),
    correlationId: text("correlation_id"),
    orderId: text("order_id"),
    /** Epoch ms when the store first received a span of it: pruning goes oldest first by this. */
    receivedAt: integer("received_at").notNull(),
  },
  (table) => [
    index("traces_start").on(table.startUs),
    index("traces_correlation").on(table.correlationId),
    index("traces_order").on(table.orderId),
    index("traces_errors").on(table.errorCount, table.startUs),
    index("traces_duration").on(table.durationMs),
    index("traces_received").on(table.receivedAt),
  ],
);

export const traceServices = sqliteTable(
  "trace_services",
  {
    service: text("service").notNull(),
    traceId: text("trace_id").notNull(),
    startUs: integer("start_us").notNull(),
  },
  (table) => [primaryKey({ columns: [table.service, table.traceId] }), index("trace_services_trace").on(table.traceId), index("trace_services_start").on(table.service, table.startUs)],
);

export const spans = sqliteTable(
  "spans",
  {
    traceId: text("trace_id").notNull(),
    spanId: text("span_id").notNull(),
    parentSpanId: text("parent_span_id"),
    service: text("service").notNull(),
    name: text("name").notNull(),
    kind: integer("kind").notNull(),
    startUs: integer("start_us").notNull(),
    durationUs: integer("duration_us").notNull(),
    /** 0 unset, 1 ok, 2 error (OTLP's codes). */
    statusCode: integer("status_code").notNull(),
    statusMessage: text("status_message"),
    /** JSON: the span's attributes, and its events with their times (epoch µs) and attributes. */
    attributes: text("attributes").notNull(),
    events: text("events").notNull(),
  },
  (table) => [primaryKey({ columns: [table.traceId, table.spanId] })],
);

export const telemetrySchema = { traces, traceServices, spans };
