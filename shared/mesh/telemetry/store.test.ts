import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openWorkerDatabase, type WorkerDatabase } from "../../db/db";
import type { ReceivedSpan } from "../../../telemetry/otlp-decode";
import { telemetrySchema } from "./schema";
import { searchTraces, spansOf } from "./search";
import { createTraceStore, type TraceStoreBounds } from "./store";

const opened: WorkerDatabase<typeof telemetrySchema>[] = [];
afterEach(() => opened.splice(0).forEach((database) => database.close()));

async function storeWith(bounds: Partial<TraceStoreBounds> = {}, now = () => Date.now()) {
  const database = await openWorkerDatabase({ worker: "telemetry", dataDir: mkdtempSync(join(tmpdir(), "bunmesh-trace-store-")), schema: telemetrySchema, checkpoints: false });
  opened.push(database);
  const store = createTraceStore(database.db, { maxTraces: 1_000, maxSpans: 10_000, maxAgeMs: 3_600_000, pruneBatch: 50, ...bounds }, now);
  return { store, db: database.db };
}

const t0 = 1_800_000_000_000n * 1_000_000n;
const ms = (n: number) => BigInt(Math.round(n * 1_000_000));

function span(traceId: string, spanId: string, parent: string | null, fields: Partial<ReceivedSpan> & { at?: number; tookMs?: number } = {}): ReceivedSpan {
  const start = t0 + ms(fields.at ?? 0);
  return {
    service: "gateway",
    resource: {},
    traceId,
    spanId,
    parentSpanId: parent,
    name: `span ${spanId}`,
    kind: 1,
    attributes: {},
    events: [],
    statusCode: 0,
    statusMessage: "",
    startNs: start,
    endNs: start + ms(fields.tookMs ?? 1),
    ...fields,
  };
}

const traceId = (n: number) => n.toString(16).padStart(32, "0");

describe("the trace store", () => {
  it("sums a trace over exports arriving in any order: extent, spans, errors, root, correlation and order id, services", async () => {
    const { store, db } = await storeWith();
    const id = traceId(1);
    // The consumer's span arrives first (its batch went out earlier), the root later.
    expect(store.ingest([span(id, "c1", "p1", { service: "reporting", at: 40, tookMs: 5, name: "orders.order.confirmed process" })])).toBe(1);
    store.ingest([
      span(id, "r1", null, { name: "POST /api/orders", tookMs: 30, attributes: { "correlation.id": "corr-1" } }),
      span(id, "s1", "r1", { service: "orders", at: 5, name: "saga.step reserve", attributes: { "order.id": "order-1" }, statusCode: 2, statusMessage: "out of stock" }),
      span(id, "p1", "s1", { service: "orders", at: 31, name: "orders.order.confirmed publish" }),
    ]);
    // An exporter's retry sends a span again: kept once.
    expect(store.ingest([span(id, "c1", "p1", { service: "reporting", at: 40, tookMs: 5 })])).toBe(0);

    const [summary] = searchTraces(db, {});
    expect(summary).toEqual({
      traceId: id,
      name: "POST /api/orders",
      service: "gateway",
      startMs: Number(t0 / 1_000_000n),
      durationMs: 45,
      spanCount: 4,
      errorCount: 1,
      services: ["gateway", "orders", "reporting"],
      correlationId: "corr-1",
      orderId: "order-1",
    });
    const spans = spansOf(db, [id]);
    expect(spans.map((s) => s.spanId)).toEqual(["r1", "s1", "p1", "c1"]);
    expect(spans[1]).toMatchObject({ service: "orders", parentSpanId: "r1", status: "error", statusMessage: "out of stock", durationMs: 1, attributes: { "order.id": "order-1" } });
  });

  it("finds traces by correlation id, order id, service, errors only and least duration, newest first, a page at a time", async () => {
    const { store, db } = await storeWith();
    for (let n = 1; n <= 6; n++) {
      store.ingest([
        span(traceId(n), "a", null, { at: n * 100, tookMs: n * 10, attributes: { "correlation.id": `corr-${n % 2}` } }),
        span(traceId(n), "b", "a", { at: n * 100, service: n % 3 === 0 ? "payments" : "users", statusCode: n === 4 ? 2 : 1 }),
      ]);
    }
    const ids = (filter: Parameters<typeof searchTraces>[1]) => searchTraces(db, filter).map((trace) => Number.parseInt(trace.traceId, 16));
    expect(ids({})).toEqual([6, 5, 4, 3, 2, 1]);
    expect(ids({ correlationId: "corr-1" })).toEqual([5, 3, 1]);
    expect(ids({ service: "payments" })).toEqual([6, 3]);
    expect(ids({ errorsOnly: true })).toEqual([4]);
    expect(ids({ minDurationMs: 45 })).toEqual([6, 5]);
    const first = searchTraces(db, { limit: 4 });
    expect(ids({ limit: 4, beforeMs: first.at(-1)!.startMs })).toEqual([2, 1]);
    expect(ids({ traceId: traceId(2) })).toEqual([2]);
    expect(ids({ orderId: "none" })).toEqual([]);
  });

  it("keeps at most maxTraces traces, removing the oldest received first", async () => {
    let clock = 1_000;
    const { store, db } = await storeWith({ maxTraces: 10, pruneBatch: 3 }, () => clock);
    for (let n = 1; n <= 25; n++) {
      clock += 1;
      store.ingest([span(traceId(n), "a", null)]);
      store.prune();
      expect(store.size().traces).toBeLessThanOrEqual(10);
    }
    expect(searchTraces(db, { limit: 100 }).map((trace) => Number.parseInt(trace.traceId, 16))).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    expect(spansOf(db, [traceId(1)])).toEqual([]);
  });

  it("keeps at most maxSpans spans and drops traces older than maxAgeMs", async () => {
    let clock = 1_000;
    const { store } = await storeWith({ maxSpans: 20, maxAgeMs: 60_000 }, () => clock);
    for (let n = 1; n <= 10; n++) store.ingest(Array.from({ length: 7 }, (_, k) => span(traceId(n), `s${k}`, k === 0 ? null : "s0")));
    store.prune();
    expect(store.size()).toEqual({ traces: 2, spans: 14 });
    clock += 60_001;
    store.prune();
    expect(store.size()).toEqual({ traces: 0, spans: 0 });
  });
});
