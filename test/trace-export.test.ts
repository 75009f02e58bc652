/**
 * Spans go where the operator says, from a launcher mesh: with OTEL_EXPORTER_OTLP_ENDPOINT at a
 * real OTLP/HTTP receiver and TRACE_STORE=on, every span reaches the receiver (as Jaeger would get
 * it) and the mesh's own store alike, under one sampling decision.
 */
import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { adminHeaders, freePort, freePortBase, startLauncher, startNats, stopAll, tempDir, testIdentity, waitFor, type RunningProcess } from "./support/processes";
import { startOtlpReceiver, type OtlpReceiver } from "./support/otlp-receiver";

let launcher: RunningProcess | undefined;
let receiver: OtlpReceiver | undefined;
afterAll(async () => {
  await launcher?.kill("SIGTERM");
  await receiver?.close();
  await stopAll();
});

describe("trace export from a launcher mesh", () => {
  it("sends every span to the OTLP endpoint and, with TRACE_STORE=on, to the mesh's own store too", async () => {
    receiver = await startOtlpReceiver();
    const nats = await startNats();
    const dataDir = tempDir("trace-export");
    const gatewayPort = await freePort();
    launcher = startLauncher([], {
      DATA_DIR: dataDir,
      NATS_URL: nats.url,
      MESH_PORT_BASE: String(await freePortBase()),
      GATEWAY_PORT: String(gatewayPort),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      TRACE_STORE: "on",
    });
    await waitFor("mesh ready", async () => (launcher!.output().includes("mesh ready") ? true : undefined), 90_000);
    expect(launcher.output()).toContain("/mesh/traces   (the mesh's own trace store");

    const correlationId = `export-both-${Date.now()}`;
    const answer = await fetch(`http://127.0.0.1:${gatewayPort}/api/users`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-correlation-id": correlationId, ...adminHeaders() },
      body: JSON.stringify({ email: `${correlationId}@x.io`, name: "Both" }),
    });
    expect(answer.status).toBe(201);

    const telemetry = (JSON.parse(readFileSync(join(dataDir, "mesh.json"), "utf8")) as { telemetry: { url: string; traceStore: boolean } }).telemetry;
    expect(telemetry.traceStore).toBe(true);
    const headers = { authorization: `Bearer ${await testIdentity("gateway").tokenFor("telemetry")}` };
    const ids = (spans: { spanId: string }[]) => [...new Set(spans.map((span) => span.spanId))].sort();
    // Each destination has its own batches: wait until both hold the request's spans, the gateway's, its users transaction
    // and orders' consumer of users.user.registered (orders keeps a copy of each customer).
    const both = await waitFor(
      "the same spans at the receiver and in the mesh's store",
      async () => {
        const sent = receiver!.spans.filter((span) => span.attributes["correlation.id"] === correlationId);
        const stored = ((await (await fetch(`${telemetry.url}/traces/spans?correlationId=${correlationId}`, { headers })).json()) as { spans: { spanId: string }[] }).spans;
        // Each process exports on its own schedule: the gateway's spans (its request ends last) may come after the others'.
        const complete =
          sent.some((span) => span.service === "users" && span.name.startsWith("db.transaction")) &&
          sent.some((span) => span.service === "orders") &&
          sent.some((span) => span.service === "gateway");
        return complete && ids(sent).join() === ids(stored).join() ? sent : undefined;
      },
      30_000,
    );
    expect(new Set(both.map((span) => span.service))).toEqual(new Set(["gateway", "users", "orders"]));
    expect(both.length).toBeGreaterThanOrEqual(5);
  }, 180_000);
});
