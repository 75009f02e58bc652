import { describe, expect, it } from "vitest";
import type { TraceSpan } from "../../telemetry/trace-query";
import { printTraceDetail } from "./trace-print";

const span = (spanId: string, parent: string | null, fields: Partial<TraceSpan>): TraceSpan => ({
  traceId: "t".repeat(32),
  spanId,
  parentSpanId: parent,
  service: "gateway",
  name: spanId,
  kind: "internal",
  startMs: 1_000,
  durationMs: 10,
  status: "unset",
  statusMessage: null,
  attributes: {},
  events: [],
  ...fields,
});

describe("mesh trace's terminal waterfall", () => {
  it("prints a header and a line per span in tree order, offsets, indentation, bars on one axis and errors with their message", () => {
    const spans = [
      span("root", null, { name: "POST /api/orders", durationMs: 100, attributes: { "http.request.method": "POST" } }),
      span("consume", "publish", {
        service: "reporting",
        name: "orders.order.confirmed process",
        startMs: 1_080,
        durationMs: 20,
        attributes: { "messaging.operation.type": "process" },
      }),
      span("saga", "root", {
        service: "orders",
        name: "saga.step authorize",
        startMs: 1_010,
        durationMs: 50,
        status: "error",
        statusMessage: "credit limit",
        attributes: { "saga.name": "place_order" },
      }),
      span("publish", "saga", { service: "orders", name: "orders.order.confirmed publish", startMs: 1_070, durationMs: 5, attributes: { "messaging.operation.type": "send" } }),
    ];
    const summary = {
      traceId: "t".repeat(32),
      name: "POST /api/orders",
      service: "gateway",
      startMs: 1_000,
      durationMs: 100,
      spanCount: 4,
      errorCount: 1,
      services: [],
      correlationId: null,
      orderId: null,
    };
    const lines = printTraceDetail({ traces: [summary], spans }, { width: 100, colour: false });
    expect(lines[0]).toBe(`trace ${"t".repeat(32)}: 4 spans, 3 services (gateway, orders, reporting), 100 ms, 1 error`);
    expect(lines.slice(1).map((line) => line.slice(11, 60).trimEnd())).toEqual([
      "gateway   http POST /api/orders",
      "orders     ✗ saga saga.step authorize",
      "orders      pub orders.order.confirmed publish",
      "reporting    sub orders.order.confirmed process",
    ]);
    expect(lines[1]).toMatch(/^ +\+0 µs /);
    expect(lines[2]).toContain("credit limit");
    const bar = (line: string) => line.slice(line.indexOf("█")).split(" ")[0]!.length;
    expect(bar(lines[1]!)).toBeGreaterThan(bar(lines[2]!));
    // The consumer's bar starts where its time does: 80% along the axis.
    const barStart = (line: string) => line.indexOf("█");
    expect(barStart(lines[4]!) - barStart(lines[1]!)).toBeGreaterThan(0.7 * bar(lines[1]!));
  });
});
