import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNats, startWorker, stopAll, tempDir, trpcMutation, trpcQuery, waitFor } from "./support/processes";
import { spanKind, startOtlpReceiver, statusCode, type OtlpReceiver, type ReceivedSpan } from "./support/otlp-receiver";
import { sampleValue, scrapeMetrics } from "./support/prometheus";

// Real Bun workers exporting OTLP/HTTP protobuf to a real receiver in this process.
let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await stopAll();
  await receiver?.close();
});

const otelEnv = () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "50" });
const hex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join("");
const traceOf = (traceId: string) => (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId);
/** A request's spans are all in: its transaction's span ends before the request's, and the two may come in two exports. */
const complete = (spans: ReceivedSpan[]) => spans.some((s) => s.name.startsWith("db.transaction")) && spans.some((s) => s.kind === spanKind.server);

describe("spans from real Bun workers, read back from an OTLP/HTTP receiver", () => {
  it("gives a tRPC call an HTTP span, a procedure span and a DB span in the caller's trace, each with the correlation id", async () => {
    const users = await startWorker("users", { DATA_DIR: tempDir("tel-users"), ...otelEnv() });
    const traceId = hex(32);
    const callerSpanId = hex(16);
    const res = await trpcMutation(
      users.url,
      "register",
      { email: "trace@x.io", name: "Trace" },
      {
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        "x-correlation-id": "corr-tel-1",
      },
    );
    expect(res.status).toBe(200);

    const spans = traceOf(traceId)(await receiver.waitForSpans((all) => complete(traceOf(traceId)(all))));
    const http = spans.find((s) => s.kind === spanKind.server)!;
    const procedure = spans.find((s) => s.name === "trpc.server register")!;
    const tx = spans.find((s) => s.name === "db.transaction insert users")!;
    expect(http).toMatchObject({ name: "POST /trpc/register", parentSpanId: callerSpanId });
    expect(http.attributes).toMatchObject({ "http.request.method": "POST", "http.route": "/trpc/register", "http.response.status_code": 200 });
    expect(procedure.parentSpanId).toBe(http.spanId);
    expect(procedure.attributes).toMatchObject({ "rpc.system": "trpc", "rpc.method": "register" });
    expect(tx.parentSpanId).toBe(procedure.spanId);
    expect(tx.attributes).toMatchObject({ "db.system": "sqlite", "db.namespace": "users", "db.transaction.outcome": "commit" });
    // Statement text is parameterized: the values (the email) never reach the span.
    expect(tx.attributes["db.query.text"]).toMatch(/insert into "users"/);
    expect(JSON.stringify(tx.attributes)).not.toContain("trace@x.io");
    for (const span of [http, procedure, tx]) {
      expect(span.attributes["correlation.id"]).toBe("corr-tel-1");
      expect(span.service).toBe("users");
      expect(span.resource).toMatchObject({ "service.namespace": "bunmesh", "service.version": expect.any(String) });
    }
  });

  it("marks a failed procedure ERROR with the domain error, and a 5xx-free HTTP span not", async () => {
    const users = await startWorker("users", { DATA_DIR: tempDir("tel-users-err"), ...otelEnv() });
    const traceId = hex(32);
    const res = await trpcQuery(users.url, "get", { id: "nobody" }, { traceparent: `00-${traceId}-${hex(16)}-01` });
    expect(res.status).toBe(404);
    const spans = traceOf(traceId)(await receiver.waitForSpans((all) => traceOf(traceId)(all).length >= 2));
    const procedure = spans.find((s) => s.name === "trpc.server get")!;
    expect(procedure.statusCode).toBe(statusCode.error);
    expect(procedure.statusMessage).toBe("user nobody not found");
    expect(procedure.attributes["error.type"]).toBe("NOT_FOUND");
    expect(procedure.events.some((e) => e.name === "exception")).toBe(true);
    const http = spans.find((s) => s.kind === spanKind.server)!;
    expect(http.attributes["http.response.status_code"]).toBe(404);
    expect(http.statusCode).not.toBe(statusCode.error);
  });

  it("traces catalog the same way (its own service name and DB)", async () => {
    const catalog = await startWorker("catalog", { DATA_DIR: tempDir("tel-catalog"), ...otelEnv() });
    const traceId = hex(32);
    const res = await trpcMutation(
      catalog.url,
      "create",
      { sku: "TEL-1", name: "Lamp", priceCents: 1200 },
      {
        traceparent: `00-${traceId}-${hex(16)}-01`,
        "x-correlation-id": "corr-tel-cat",
      },
    );
    expect(res.status).toBe(200);
    const spans = traceOf(traceId)(await receiver.waitForSpans((all) => complete(traceOf(traceId)(all))));
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["catalog"]));
    const ids = new Set(spans.map((s) => s.spanId));
    // No orphans: every parent but the caller's is in the trace.
    expect(spans.filter((s) => !ids.has(s.parentSpanId ?? "")).map((s) => s.kind)).toEqual([spanKind.server]);
    expect(spans.every((s) => s.attributes["correlation.id"] === "corr-tel-cat")).toBe(true);
    expect(spans.find((s) => s.name.startsWith("db.transaction"))!.attributes["db.namespace"]).toBe("catalog");
  });
});

describe("/metrics on a real Bun worker", () => {
  it("parses as Prometheus text, and its request and transaction counters move with calls", async () => {
    const users = await startWorker("users", { DATA_DIR: tempDir("tel-metrics") });
    const before = await scrapeMetrics(users.url);
    const route = { http_route: "/trpc/register", http_response_status_code: "200" };
    for (const n of [1, 2]) expect((await trpcMutation(users.url, "register", { email: `m${n}@x.io`, name: `M${n}` })).status).toBe(200);
    const after = await scrapeMetrics(users.url);
    expect(sampleValue(after, "http_server_request_duration_count", route) - sampleValue(before, "http_server_request_duration_count", route)).toBe(2);
    const tx = { db_operation: "insert users", outcome: "commit" };
    expect(sampleValue(after, "db_transaction_duration_count", tx) - sampleValue(before, "db_transaction_duration_count", tx)).toBe(2);
    expect(sampleValue(after, "db_file_bytes", { db_namespace: "users" })).toBeGreaterThan(0);
    expect(sampleValue(after, "data_dir_free_bytes", { db_namespace: "users" })).toBeGreaterThan(0);
    expect(after.some((s) => s.name === "db_wal_bytes")).toBe(true);
  });
});

describe("with no OTLP endpoint configured", () => {
  it("starts, serves and stops writing no warning or error, and no line that is not JSON", async () => {
    // A broker is up, so the only thing that could complain is telemetry. catalog has both an
    // outbox relay and a consumer: neither may warn while its first NATS connect is under way.
    const nats = await startNats();
    const catalog = await startWorker("catalog", {
      NATS_URL: nats.url,
      DATA_DIR: tempDir("tel-quiet"),
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: "",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
    });
    const created = await trpcMutation(catalog.url, "create", { sku: "Q-1", name: "Quiet", priceCents: 100 }, { traceparent: `00-${hex(32)}-${hex(16)}-01` });
    expect(created.status).toBe(200);
    expect((await trpcQuery(catalog.url, "get", { id: "nobody" })).status).toBe(404);
    expect((await fetch(`${catalog.url}/metrics`)).status).toBe(200);
    await waitFor("catalog consuming and its outbox drained", async () => {
      const ready = (await (await fetch(`${catalog.url}/health/ready`)).json()) as { outbox?: { pending: number }; consumers?: Record<string, { consuming: boolean }> };
      return ready.outbox?.pending === 0 && Object.values(ready.consumers ?? {}).every((c) => c.consuming) ? true : undefined;
    });
    expect(await catalog.kill("SIGTERM")).toBe(0);
    const lines = catalog
      .output()
      .split("\n")
      .filter((line) => line.trim() !== "");
    expect(lines.length).toBeGreaterThan(0);
    const records = lines.map((line) => JSON.parse(line) as { level: string; loop?: string; msg?: string });
    // The one warning that is not telemetry's: a worker run alone without a mesh secret saying its identity checks are off.
    const notTelemetry = (r: { msg?: string }) => /^SERVICE IDENTITY CHECKS ARE OFF/.test(r.msg ?? "");
    const complaints = records.filter((r) => !["info", "debug"].includes(r.level) && !notTelemetry(r));
    expect(complaints).toEqual([]);
  });
});
