/**
 * The whole mesh as real Bun processes (gateway, orders, users, catalog, inventory, payments,
 * reporting) with real NATS JetStream, exporting spans to a real OTLP/HTTP receiver: one order
 * placed through the gateway is one trace across every hop, the JetStream hop included (with orders'
 * copies holding the customer and product, placing calls neither users nor catalog: catalog shows as a consumer).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { adminHeaders, repoRoot, startNats, startWorker, stopAll, tempDir, waitFor, type RunningWorker } from "./support/processes";
import { spanKind, startOtlpReceiver, statusCode, type OtlpReceiver, type ReceivedSpan } from "./support/otlp-receiver";
import { sampleValue, scrapeMetrics, type Sample } from "./support/prometheus";

const internal = ["users", "catalog", "inventory", "payments", "reporting"] as const;

let receiver: OtlpReceiver;
const workers: Record<string, RunningWorker> = {};

afterAll(async () => {
  await stopAll();
  await receiver?.close();
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${workers["gateway"]!.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...adminHeaders(), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

const spansOfTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
const traceIdsOf = (correlationId: string) => new Set(receiver.spans.filter((s) => s.attributes["correlation.id"] === correlationId).map((s) => s.traceId));

/** A customer with credit and a product with stock, made through the gateway. */
async function shopFixture(tag: string, priceCents: number, creditCents: number) {
  const user = await api("POST", "/api/users", { email: `${tag}@flow.io`, name: tag });
  const product = await api("POST", "/api/products", { sku: `SKU-${tag}`, name: `Lamp ${tag}`, priceCents });
  expect([user.status, product.status]).toEqual([201, 201]);
  expect((await api("PUT", `/api/inventory/${product.body.id}`, { onHand: 10 })).status).toBe(200);
  expect((await api("PUT", `/api/customers/${user.body.id}/credit`, { limitCents: creditCents })).status).toBe(200);
  return { customerId: user.body.id as string, productId: product.body.id as string };
}

describe("one order, one trace, across the whole mesh", () => {
  beforeAll(async () => {
    // The whole mesh or a loud failure: a missing worker is not a reason to pass quietly.
    for (const worker of ["gateway", "orders", ...internal]) expect(existsSync(join(repoRoot, `workers/${worker}/main.ts`)), `workers/${worker}/main.ts is missing`).toBe(true);
    receiver = await startOtlpReceiver();
    const nats = await startNats();
    const dataDir = tempDir("tel-flow");
    const common = { DATA_DIR: dataDir, NATS_URL: nats.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "50", LOG_LEVEL: "debug" };
    const started = await Promise.all(internal.map((name) => startWorker(name, common)));
    internal.forEach((name, i) => (workers[name] = started[i]!));
    const peers = Object.fromEntries(internal.map((name) => [`${name.toUpperCase()}_URL`, workers[name]!.url]));
    workers["orders"] = await startWorker("orders", { ...common, ...peers, ORDER_WAIT_MS: "15000", PEER_TIMEOUT_MS: "10000" });
    workers["gateway"] = await startWorker("gateway", { ...common, ...peers, ORDERS_URL: workers["orders"].url, ORDER_PLACE_TIMEOUT_MS: "20000", PEER_TIMEOUT_MS: "10000" });
  });

  it("shares one trace id from the gateway through every worker it reaches and across JetStream, with no orphans and the correlation id everywhere", async () => {
    const { customerId, productId } = await shopFixture("ok", 1000, 100_000);
    // orders validates against its copies once they hold the customer and the product: placing then asks neither users nor catalog.
    await waitFor("orders' copies of the customer and the product", async () => {
      const health = (await (await fetch(`${workers["orders"]!.url}/health/ready`)).json()) as { consumers: Record<string, { handled: number }> };
      return health.consumers["orders-users"]!.handled >= 1 && health.consumers["orders-catalog"]!.handled >= 1 ? true : undefined;
    });
    const services = ["gateway", "orders", ...internal.filter((name) => name !== "users")];
    const before: Record<string, Sample[]> = {};
    for (const name of services) before[name] = await scrapeMetrics(workers[name]!.url);

    const correlationId = `corr-flow-${Date.now()}`;
    const placed = await api("POST", "/api/orders", { customerId, items: [{ productId, quantity: 2 }] }, { "x-correlation-id": correlationId });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: "CONFIRMED", correlationId });
    expect(placed.headers.get("x-correlation-id")).toBe(correlationId);

    // Consumers react after the JetStream hop: reporting, inventory (commit) and payments (capture)
    // to the confirmation, catalog to the reservation and to its commit. Each process exports on its
    // own schedule, so a consumer's span can arrive before its publisher's: wait until every span's
    // parent is in too (an orphan for good fails the wait, naming it).
    const consumerSpans = (spans: ReceivedSpan[]) => spans.filter((s) => s.kind === spanKind.consumer);
    const orphansOf = (spans: ReceivedSpan[]) => {
      const known = new Set(spans.map((s) => s.spanId));
      return spans.filter((s) => s.parentSpanId && !known.has(s.parentSpanId)).map((s) => `${s.service}: ${s.name}`);
    };
    await waitFor(
      "consumer spans of reporting, inventory, payments and catalog in the order's trace, each with its parent",
      async () => {
        const [traceId, ...others] = traceIdsOf(correlationId);
        if (!traceId || others.length > 0) return undefined;
        const spans = spansOfTrace(traceId);
        const consumers = new Set(consumerSpans(spans).map((s) => s.service));
        const missing = ["catalog", "reporting", "inventory", "payments"].filter((name) => !consumers.has(name));
        const orphans = orphansOf(spans);
        if (missing.length > 0 || orphans.length > 0) throw new Error(`consumers missing: [${missing.join(", ")}], spans without their parent: [${orphans.join(", ")}]`);
        return true;
      },
      30_000,
    );

    const traceIds = traceIdsOf(correlationId);
    expect(traceIds.size).toBe(1);
    const [traceId] = traceIds;
    const spans = spansOfTrace(traceId!);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(services));
    for (const span of spans) expect(span.attributes["correlation.id"], `${span.service}: ${span.name}`).toBe(correlationId);
    const ids = new Set(spans.map((s) => s.spanId));
    const roots = spans.filter((s) => !ids.has(s.parentSpanId ?? ""));
    expect(roots.map((s) => `${s.service}: ${s.name}`)).toEqual(["gateway: POST /api/orders"]);
    // The hops the trace must show: tRPC to each peer, the saga's steps, DB transactions, publish and consume.
    const names = spans.map((s) => `${s.service}: ${s.name}`);
    for (const expected of [
      "gateway: trpc.client orders.place",
      "orders: trpc.server place",
      "orders: saga.step reserve",
      "orders: saga.step authorize",
      "inventory: trpc.server reserve",
      "payments: trpc.server authorize",
      "inventory: inventory.reservation.reserved publish",
      "orders: orders.order.confirmed publish",
      "catalog: inventory.reservation.reserved process",
      "reporting: orders.order.confirmed process",
      "inventory: orders.order.confirmed process",
      "payments: orders.order.confirmed process",
    ]) {
      expect(names).toContain(expected);
    }
    expect(names).not.toContain("orders: trpc.client users.get");
    expect(names).not.toContain("orders: trpc.client catalog.getMany");
    // SQLite work: transactions as spans; a read outside a transaction (orders' copies, read by place) as a db.query event.
    for (const name of ["orders", "catalog", "inventory", "payments", "reporting"]) {
      expect(
        spans.some((s) => s.service === name && s.name.startsWith("db.transaction")),
        `${name} DB span`,
      ).toBe(true);
    }
    const place = spans.find((s) => s.service === "orders" && s.name === "trpc.server place")!;
    expect(place.events.filter((e) => e.name === "db.query").map((e) => e.attributes["db.query.text"])).toEqual(
      expect.arrayContaining([expect.stringMatching(/from "customer_copies"/), expect.stringMatching(/from "product_copies"/)]),
    );

    // Log lines written for this order carry its trace id.
    const lines = services.flatMap((name) =>
      workers[name]!.output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l)),
    );
    const orderLines = lines.filter((l) => l.correlationId === correlationId);
    // The workers that served a request of the order log it; catalog and reporting only consumed its events.
    expect(new Set(orderLines.map((l) => l.worker))).toEqual(new Set(services.filter((name) => name !== "reporting" && name !== "catalog")));
    expect(new Set(orderLines.map((l) => l.trace_id))).toEqual(new Set([traceId]));

    // Every worker's /metrics parses, and the request counter of each worker the order called moved with it.
    for (const name of ["gateway", "orders", "inventory", "payments"]) {
      const after = await scrapeMetrics(workers[name]!.url);
      const moved = sampleValue(after, "http_server_request_duration_count") - sampleValue(before[name]!, "http_server_request_duration_count");
      expect(moved, `${name} requests`).toBeGreaterThan(0);
    }
    const orders = await scrapeMetrics(workers["orders"]!.url);
    expect(sampleValue(orders, "saga_outcomes_total", { outcome: "confirmed" }) - sampleValue(before["orders"]!, "saga_outcomes_total", { outcome: "confirmed" })).toBe(1);
    expect(sampleValue(orders, "trpc_client_duration_count", { peer: "inventory" })).toBeGreaterThan(
      sampleValue(before["orders"]!, "trpc_client_duration_count", { peer: "inventory" }),
    );
    expect(orders.some((s) => s.name === "outbox_pending")).toBe(true);
  });

  it("shows a REJECTED order's failed step and its compensation as spans, ERROR or OK as they ended", async () => {
    const { customerId, productId } = await shopFixture("declined", 1000, 1500);
    const correlationId = `corr-flow-rejected-${Date.now()}`;
    const placed = await api("POST", "/api/orders", { customerId, items: [{ productId, quantity: 2 }] }, { "x-correlation-id": correlationId });
    expect(placed.body).toMatchObject({ status: "REJECTED", rejectionReason: "payment_declined" });
    const stepsOf = (spans: ReceivedSpan[]) => spans.filter((s) => s.name.startsWith("saga.") && s.attributes["correlation.id"] === correlationId);
    const steps = await waitFor("the saga's spans", async () => {
      const found = stepsOf(receiver.spans);
      return found.some((s) => s.name === "saga.compensate release") ? found : undefined;
    });
    const status = Object.fromEntries(steps.map((s) => [s.name, s.statusCode]));
    expect(status).toEqual({ "saga.step reserve": statusCode.ok, "saga.step authorize": statusCode.error, "saga.compensate release": statusCode.ok });
    expect(steps.find((s) => s.name === "saga.step authorize")!.statusMessage).toMatch(/credit|declined|limit/i);
    expect(new Set(steps.map((s) => s.traceId)).size).toBe(1);
  });

  it("puts a correlation id on every span any worker exported, background work (the relays' rounds) included", async () => {
    // The relays marked the orders' events sent in their own rounds, outside any request.
    const spans = await receiver.waitForSpans((all) => all.some((s) => String(s.attributes["correlation.id"] ?? "").startsWith("outbox-relay.orders:")));
    const without = spans.filter((s) => typeof s.attributes["correlation.id"] !== "string" || s.attributes["correlation.id"] === "");
    expect(without.map((s) => `${s.service}: ${s.name}`)).toEqual([]);
    const relayRound = spans.find((s) => String(s.attributes["correlation.id"]).startsWith("outbox-relay.orders:"))!;
    expect(relayRound).toMatchObject({ service: "orders", name: "db.transaction update outbox" });
  });
});
