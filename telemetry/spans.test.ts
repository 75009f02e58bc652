import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { context, SpanKind } from "@opentelemetry/api";
import { startOtlpReceiver, spanKind, statusCode, type OtlpReceiver, type ReceivedSpan } from "../test/support/otlp-receiver";
import { createLogger } from "../shared/core/logger";
import { runInRequestScope } from "../shared/core/request-scope";
import { startTelemetry, type Telemetry } from "./sdk";
import { continueFromHeaders, injectTraceHeaders, withSpan } from "./spans";
import { traceConsume, tracePublish } from "./messaging";
import { traceSagaStep } from "./saga";

// The SDK of this test process exports to a real OTLP/HTTP receiver: spans are read back decoded.
let receiver: OtlpReceiver;
let telemetry: Telemetry;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  telemetry = await startTelemetry({ serviceName: "spans-test", serviceVersion: "0.0.0", env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
});
afterAll(async () => {
  await telemetry.shutdown();
  await receiver.close();
});

async function exported(name: string): Promise<ReceivedSpan> {
  await telemetry.flush();
  const spans = await receiver.waitForSpans((all) => all.some((s) => s.name === name));
  return spans.find((s) => s.name === name)!;
}

describe("withSpan", () => {
  it("ends a sync span OK-unset, with correlation.id from the request scope and service.name from the resource", async () => {
    const value = runInRequestScope({ correlationId: "corr-sync" }, () => withSpan("unit sync", { "x.y": 1 }, () => 42));
    expect(value).toBe(42);
    const span = await exported("unit sync");
    expect(span.attributes).toMatchObject({ "x.y": 1, "correlation.id": "corr-sync" });
    expect(span.service).toBe("spans-test");
    expect(span.resource["service.namespace"]).toBe("bunmesh");
  });

  it("records a throw and a rejection with status ERROR and passes them on", async () => {
    expect(() =>
      withSpan("unit throws", {}, () => {
        throw new Error("boom sync");
      }),
    ).toThrow("boom sync");
    await expect(
      withSpan("unit rejects", {}, async () => {
        throw new Error("boom async");
      }),
    ).rejects.toThrow("boom async");
    for (const [name, message] of [
      ["unit throws", "boom sync"],
      ["unit rejects", "boom async"],
    ] as const) {
      const span = await exported(name);
      expect(span.statusCode).toBe(statusCode.error);
      expect(span.statusMessage).toBe(message);
      expect(span.events.find((e) => e.name === "exception")?.attributes["exception.message"]).toBe(message);
    }
  });

  it("nests: a span started inside another is its child in the same trace", async () => {
    await withSpan("unit outer", {}, async () => {
      await new Promise((r) => setTimeout(r, 1));
      withSpan("unit inner", {}, () => undefined);
    });
    const [outer, inner] = [await exported("unit outer"), await exported("unit inner")];
    expect(inner.traceId).toBe(outer.traceId);
    expect(inner.parentSpanId).toBe(outer.spanId);
  });
});

describe("the event hop", () => {
  it("relay publish continues the trace stored on the row, and the consumer continues the publish span from the headers", async () => {
    // What enqueueEvent stores on the outbox row: the trace context of the writing transaction.
    const rowHeaders = withSpan("unit request", {}, () => injectTraceHeaders());
    const sent: Record<string, string>[] = [];
    const row = { subject: "users.user.registered", eventId: "ev-1", correlationId: "corr-hop", ...rowHeaders, tracestate: null };
    await tracePublish({ ...row, traceparent: rowHeaders["traceparent"]! }, async (headers) => void sent.push(headers));
    const handled = runInRequestScope({ correlationId: "corr-hop" }, () =>
      traceConsume({ subject: row.subject, eventId: row.eventId, consumer: "c1", deliveryCount: 2, headers: sent[0]! }, () => "handled"),
    );
    expect(handled).toBe("handled");
    const [request, publish, consume] = [await exported("unit request"), await exported("users.user.registered publish"), await exported("users.user.registered process")];
    expect(publish).toMatchObject({ traceId: request.traceId, parentSpanId: request.spanId, kind: spanKind.producer });
    expect(consume).toMatchObject({ traceId: request.traceId, parentSpanId: publish.spanId, kind: spanKind.consumer });
    expect(publish.attributes).toMatchObject({ "correlation.id": "corr-hop", "messaging.system": "nats", "messaging.message.id": "ev-1" });
    expect(consume.attributes).toMatchObject({ "correlation.id": "corr-hop", "messaging.consumer.group.name": "c1", "messaging.nats.delivery_count": 2 });
  });

  it("continueFromHeaders reads NATS-style headers (get) and plain objects alike", () => {
    const headers = withSpan("unit carrier", {}, () => injectTraceHeaders());
    const fromGetter = continueFromHeaders({ get: (key: string) => headers[key] ?? "" });
    const fromObject = continueFromHeaders(headers);
    const ids = [fromGetter, fromObject].map((ctx) => context.with(ctx, () => injectTraceHeaders()["traceparent"]));
    expect(ids).toEqual([headers["traceparent"], headers["traceparent"]]);
  });
});

describe("saga steps", () => {
  it("ends a step OK or ERROR as its result says, compensations named as such", async () => {
    await traceSagaStep({ step: "reserve", orderId: "o-1", compensation: false }, async () => ({ ok: false, error: new Error("out of stock") }));
    await traceSagaStep({ step: "release", orderId: "o-1", compensation: true }, async () => ({ ok: true }));
    const [failed, compensated] = [await exported("saga.step reserve"), await exported("saga.compensate release")];
    expect(failed.statusCode).toBe(statusCode.error);
    expect(failed.statusMessage).toBe("out of stock");
    expect(compensated.statusCode).toBe(statusCode.ok);
    expect(compensated.attributes).toMatchObject({ "saga.compensation": true, "order.id": "o-1" });
  });
});

describe("log lines", () => {
  it("carry trace_id and span_id of the active span and the request's correlationId", () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => void (lines.push(JSON.parse(String(chunk))), done()) });
    const logger = createLogger({ worker: "spans-test", destination });
    const ids = runInRequestScope({ correlationId: "corr-log" }, () =>
      withSpan(
        "unit logged",
        {},
        (span) => {
          logger.info("inside");
          return span.spanContext();
        },
        { kind: SpanKind.INTERNAL },
      ),
    );
    logger.info("outside");
    expect(lines[0]).toMatchObject({ msg: "inside", trace_id: ids.traceId, span_id: ids.spanId, correlationId: "corr-log", worker: "spans-test" });
    expect(lines[1]).not.toHaveProperty("trace_id");
    expect(lines[1]).not.toHaveProperty("correlationId");
  });
});
