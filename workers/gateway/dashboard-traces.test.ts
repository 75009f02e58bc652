/**
 * The dashboard's trace pages on an in-process gateway reading a real trace store (the telemetry
 * process's app on a real SQLite file), both holding real service identities: the list and its
 * filters, a waterfall in tree order with hops, services and errors, the JSON, an order's page
 * linked to its trace, and a clear answer for a bad query or a store that is not there.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServiceIdentity } from "../../shared/rpc/identity";
import { createLogger } from "../../shared/core/logger";
import { openWorkerDatabase } from "../../shared/db/db";
import { createTelemetryApp } from "../../shared/mesh/telemetry/api";
import { telemetrySchema } from "../../shared/mesh/telemetry/schema";
import { createSeriesRing } from "../../shared/mesh/telemetry/series";
import { createTraceStore } from "../../shared/mesh/telemetry/store";
import { createAnsweringPeers } from "../../test/support/answering-peers";
import { encodeTraceExport, randomHex, type SpanToExport } from "../../test/support/otlp-export";
import { createPeerClient } from "../../shared/rpc/peer-client";
import type { OrdersRouter } from "../orders/router";
import { createGatewayWorker } from "./worker";

const adminApiKey = "traces-admin-key-0123456789abcdef";
const secret = new TextEncoder().encode("traces-test-secret-0123456789abcdef-0123");
const bearer = { authorization: `Bearer ${adminApiKey}` };

const database = await openWorkerDatabase({ worker: "telemetry", dataDir: mkdtempSync(join(tmpdir(), "bunmesh-gw-traces-")), schema: telemetrySchema, checkpoints: false });
afterAll(() => database.close());
const store = createTraceStore(database.db, { maxTraces: 100, maxSpans: 1_000, maxAgeMs: 3_600_000, pruneBatch: 10 });
const telemetry = createTelemetryApp({
  store,
  db: database.db,
  series: createSeriesRing({ capacity: 10, intervalMs: 1_000 }),
  identity: createServiceIdentity({ self: "telemetry", secret }),
  logger: createLogger({ worker: "telemetry", level: "silent" }),
});

/** The gateway, its peers answering, its telemetry reads going to the real store's app. */
function gateway(telemetryUrl: string | null = "http://telemetry.test") {
  const answering = createAnsweringPeers(adminApiKey);
  const fetch = Object.assign(
    async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input));
      if (url.hostname === "telemetry.test") return telemetry.request(`${url.pathname}${url.search}`, init);
      if (url.pathname === "/trpc/get") return Response.json({ result: { data: order } });
      return answering.deps.fetch!(String(input), init);
    },
    { preconnect: globalThis.fetch.preconnect },
  );
  const healthTargets = ["users", "catalog", "inventory", "payments", "orders", "reporting"].map((name) => ({ name, url: `http://${name}.test` }));
  const deps = { ...answering.deps, fetch, healthTargets, telemetryUrl, identity: createServiceIdentity({ self: "gateway", secret }) };
  const orders = createPeerClient<OrdersRouter>({ self: "gateway", peer: "orders", url: "http://orders.test", maxAttempts: 1, fetch }).client;
  return createGatewayWorker({ ...deps, peers: { ...answering.deps.peers, orders } });
}

const traceId = randomHex(32);
const order = {
  id: "order-7",
  status: "CONFIRMED",
  customerId: "c-1",
  totalCents: 1200,
  rejectionReason: null,
  correlationId: "corr-7",
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  lines: [],
};
const at = Date.now() - 1_000;
const span = (spanId: string, parent: string | null, fields: Partial<SpanToExport>): SpanToExport => ({
  service: "gateway",
  traceId,
  spanId,
  parentSpanId: parent,
  name: spanId,
  startMs: at,
  durationMs: 5,
  ...fields,
});
const ids = { root: randomHex(16), saga: randomHex(16), tx: randomHex(16), publish: randomHex(16), consume: randomHex(16) };

async function post(spans: SpanToExport[]) {
  const answer = await telemetry.request("/v1/traces", { method: "POST", headers: { "content-type": "application/x-protobuf" }, body: encodeTraceExport(spans) });
  expect(answer.status).toBe(200);
}

await post([
  span(ids.root, null, { name: "POST /api/orders", durationMs: 40, attributes: { "correlation.id": "corr-7", "http.request.method": "POST" }, kind: 2 }),
  span(ids.saga, ids.root, {
    service: "orders",
    name: "saga.step reserve",
    startMs: at + 5,
    attributes: { "saga.name": "place_order", "order.id": "order-7" },
    statusCode: 2,
    statusMessage: "out of stock",
  }),
  span(ids.tx, ids.saga, {
    service: "inventory",
    name: "db.transaction update stock",
    startMs: at + 6,
    attributes: { "db.system": "sqlite" },
    events: [{ name: "db.query", atMs: at + 7 }],
  }),
  span(ids.publish, ids.tx, { service: "inventory", name: "inventory.reservation.made publish", startMs: at + 50, attributes: { "messaging.operation.type": "send" }, kind: 4 }),
  span(ids.consume, ids.publish, { service: "catalog", name: "inventory.reservation.made process", startMs: at + 60, attributes: { "messaging.operation.type": "process" }, kind: 5 }),
]);
await post([
  { service: "users", traceId: randomHex(32), spanId: randomHex(16), name: "POST /trpc/register", startMs: at - 5_000, durationMs: 2, attributes: { "correlation.id": "corr-other" } },
]);

describe("/mesh/traces on the mesh's trace store", () => {
  it("lists the traces newest first and finds one by correlation id, order id, service, errors and duration", async () => {
    const page = async (query: string) => (await gateway().app.request(`/mesh/traces${query}`, { headers: bearer })).text();
    const all = await page("");
    expect(all.indexOf(traceId)).toBeGreaterThan(0);
    expect(all.match(/<tr data-trace-id=/g)).toHaveLength(2);
    for (const query of ["?correlationId=corr-7", "?orderId=order-7", "?service=catalog", "?errors=1", "?minMs=50&correlationId=&orderId="]) {
      const found = await page(query);
      expect(found.match(/<tr data-trace-id="([0-9a-f]+)"/g), query).toEqual([`<tr data-trace-id="${traceId}"`]);
    }
    expect(await page("?correlationId=nobody")).toContain("no trace matches these filters");
  });

  it("names a bad filter: 400, nothing read", async () => {
    for (const [query, named] of [
      ["?minMs=-3", "query.minMs"],
      ["?colour=red", "query.colour: unknown field"],
      ["?traceId=xyz", "query.traceId"],
    ]) {
      const answer = await gateway().app.request(`/mesh/traces${query}`, { headers: bearer });
      expect(answer.status, query).toBe(400);
      expect(await answer.text(), query).toContain(named);
    }
    const json = await gateway().app.request("/mesh/traces.json", { headers: bearer });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: { message: string } }).error.message).toContain("one of traceId, correlationId, orderId");
  });

  it("draws the waterfall: every span in tree order on one axis, hops and services named, errors marked, attributes and events inside", async () => {
    const html = await (await gateway().app.request(`/mesh/traces/${traceId}`, { headers: bearer })).text();
    const rows = [...html.matchAll(/<details class="span( error)?" data-span-id="([0-9a-f]+)" data-service="(\w+)" data-hop="(\w+)" data-status="(\w+)"/g)];
    expect(rows.map((row) => [row[2], row[3], row[4], row[5]])).toEqual([
      [ids.root, "gateway", "http", "unset"],
      [ids.saga, "orders", "saga", "error"],
      [ids.tx, "inventory", "db", "unset"],
      [ids.publish, "inventory", "publish", "unset"],
      [ids.consume, "catalog", "consume", "unset"],
    ]);
    expect(rows[1]![1]).toBe(" error");
    expect(html).toContain("outbox → JetStream");
    expect(html).toContain("JetStream → consumer");
    expect(html).toContain("ERROR: out of stock");
    expect(html).toMatch(/<th>db\.system<\/th><td class="wrap">sqlite<\/td>/);
    expect(html).toContain("<b>db.query</b>");
    expect(html).toContain('href="/mesh/orders/order-7"');
  });

  it("serves the same facts as JSON by correlation id, order id or trace id", async () => {
    for (const query of ["correlationId=corr-7", "orderId=order-7", `traceId=${traceId}`]) {
      const answer = await gateway().app.request(`/mesh/traces.json?${query}`, { headers: bearer });
      const body = (await answer.json()) as { traces: { traceId: string }[]; spans: Record<string, unknown>[] };
      expect(
        body.traces.map((trace) => trace.traceId),
        query,
      ).toEqual([traceId]);
      expect(body.spans).toHaveLength(5);
      expect(body.spans[1]).toMatchObject({
        service: "orders",
        name: "saga.step reserve",
        parentSpanId: ids.root,
        startMs: at + 5,
        durationMs: 5,
        status: "error",
        attributes: { "order.id": "order-7" },
      });
    }
  });

  it("links an order's page to its trace", async () => {
    const html = await (await gateway().app.request("/mesh/orders/order-7", { headers: bearer })).text();
    expect(html).toContain("<b>CONFIRMED</b>");
    expect(html).toContain(`<a href="/mesh/traces/${traceId}">gateway: POST /api/orders</a>`);
  });

  it("says so when no telemetry process is configured, and the store refuses readers without a token", async () => {
    const answer = await gateway(null).app.request("/mesh/traces", { headers: bearer });
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain("no telemetry process configured (TELEMETRY_URL");
    expect((await gateway(null).app.request("/mesh/series.json", { headers: bearer })).status).toBe(503);
    expect((await telemetry.request("/traces")).status).toBe(401);
    expect((await gateway().app.request("/mesh/traces")).status).toBe(401);
  });
});
