import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOtlpReceiver, spanKind, statusCode, type OtlpReceiver } from "../test/support/otlp-receiver";
import { parsePrometheusText, sampleValue } from "../test/support/prometheus";
import { openWorkerDatabase, type WorkerDatabase } from "../shared/db/db";
import { createLogger } from "../shared/core/logger";
import { createPeerClient } from "../shared/rpc/peer-client";
import { runInRequestScope } from "../shared/core/request-scope";
import * as schema from "../workers/users/schema";
import type { UsersRouter } from "../workers/users/router";
import { createUsersWorker } from "../workers/users/worker";
import { startTelemetry, type Telemetry } from "./sdk";
import { withSpan } from "./spans";

// The kit's hooks (createWorker, procedures, peer clients, db) with the SDK started in this process.
let receiver: OtlpReceiver;
let telemetry: Telemetry;
let database: WorkerDatabase<typeof schema>;
let worker: ReturnType<typeof createUsersWorker>;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  telemetry = await startTelemetry({ serviceName: "kit-test", serviceVersion: "0.0.0", env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
  database = await openWorkerDatabase({ worker: "users", dataDir: mkdtempSync(join(tmpdir(), "bunmesh-telkit-")), schema });
  worker = createUsersWorker({
    db: database.db,
    logger: createLogger({ worker: "users", level: "silent" }),
    identity: null,
    outboxSignal: database.outboxSignal,
    now: () => new Date(),
  });
  await worker.start();
});
afterAll(async () => {
  database.close();
  await telemetry.shutdown();
  await receiver.close();
});

const scrape = async () => {
  const res = await worker.app.request("/metrics");
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  return parsePrometheusText(await res.text());
};

describe("a peer call through the kit", () => {
  it("is one trace: caller span → trpc.client → HTTP server → trpc.server → db.transaction, all with the correlation id", async () => {
    const users = createPeerClient<UsersRouter>({ self: "kit-test", peer: "users", url: "http://users.test", fetch: (input, init) => worker.app.request(String(input), init) });
    await runInRequestScope({ correlationId: "corr-kit" }, () => withSpan("kit caller", {}, () => users.client.register.mutate({ email: "kit@x.io", name: "Kit" })));
    await telemetry.flush();
    const all = await receiver.waitForSpans((spans) => spans.some((s) => s.name === "kit caller") && spans.some((s) => s.name === "db.transaction insert users"));
    const caller = all.find((s) => s.name === "kit caller")!;
    const trace = all.filter((s) => s.traceId === caller.traceId);
    const client = trace.find((s) => s.name === "trpc.client users.register")!;
    const http = trace.find((s) => s.name === "POST /trpc/register")!;
    const procedure = trace.find((s) => s.name === "trpc.server register")!;
    const tx = trace.find((s) => s.name === "db.transaction insert users")!;
    expect(client).toMatchObject({ parentSpanId: caller.spanId, kind: spanKind.client, statusCode: statusCode.ok });
    expect(client.attributes).toMatchObject({ "rpc.system": "trpc", "rpc.service": "users", "rpc.method": "register" });
    expect(http).toMatchObject({ parentSpanId: client.spanId, kind: spanKind.server });
    expect(procedure.parentSpanId).toBe(http.spanId);
    expect(tx.parentSpanId).toBe(procedure.spanId);
    expect(trace.every((s) => s.attributes["correlation.id"] === "corr-kit")).toBe(true);
  });

  it("counts client calls and errors by peer and reports the breaker state", async () => {
    const users = createPeerClient<UsersRouter>({ self: "kit-test", peer: "users-metrics", url: "http://users.test", fetch: (input, init) => worker.app.request(String(input), init) });
    await users.client.get.query({ id: "nobody" }).catch(() => undefined);
    await users.client.list.query({ limit: 1 });
    const samples = await scrape();
    expect(sampleValue(samples, "trpc_client_duration_count", { peer: "users-metrics" })).toBe(2);
    expect(sampleValue(samples, "trpc_client_errors_total", { peer: "users-metrics", error_type: "NOT_FOUND" })).toBe(1);
    expect(samples.find((s) => s.name === "breaker_state" && s.labels["peer"] === "users-metrics")?.value).toBe(0);
  });
});

describe("/metrics", () => {
  it("serves the process's metrics as Prometheus text; request durations move by route and status", async () => {
    const labels = { http_route: "/trpc/list", http_response_status_code: "200" };
    const before = sampleValue(await scrape(), "http_server_request_duration_count", labels);
    await worker.app.request(`/trpc/list?input=${encodeURIComponent(JSON.stringify({ limit: 1 }))}`);
    const after = await scrape();
    expect(sampleValue(after, "http_server_request_duration_count", labels)).toBe(before + 1);
    expect(sampleValue(after, "db_file_bytes", { db_namespace: "users" })).toBeGreaterThan(0);
  });

  it("labels requests from a closed set: every tRPC batch is one route, an unknown procedure or method mints no label", async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: { limit: 1 }, 1: { limit: 2 } }));
    await worker.app.request(`/trpc/list,list?batch=1&input=${input}`);
    await worker.app.request(`/trpc/list,list,list?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { limit: 1 }, 1: { limit: 1 }, 2: { limit: 1 } }))}`);
    await worker.app.request("/trpc/no-such-procedure-1");
    await worker.app.request("/trpc/no-such-procedure-2");
    await worker.app.request("/trpc/list", { method: "BREW" });
    const routes = new Set((await scrape()).filter((s) => s.name === "http_server_request_duration_count").map((s) => `${s.labels["http_request_method"]} ${s.labels["http_route"]}`));
    expect(routes).toContain("GET /trpc/(batch)");
    expect([...routes].filter((route) => route.includes(",") || route.includes("no-such"))).toEqual([]);
    expect([...routes].filter((route) => route.startsWith("BREW"))).toEqual([]);
  });
});
