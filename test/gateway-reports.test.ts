/**
 * The reports through the gateway over the whole mesh: real nats-server, all seven workers as
 * Bun processes. Orders placed through the public REST API reach reporting by events; the sales
 * report, the customer report and the summary's `stats` then equal the orders' own answers. With
 * reporting stopped the summary still answers (degraded) and the reports answer 503 naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient } from "../workers/gateway/client";
import { adminHeaders, startNats, stopAll, waitFor } from "./support/processes";
import { startMesh, type TestMesh } from "./support/mesh";

let mesh: TestMesh;

beforeAll(async () => {
  const nats = await startNats();
  mesh = await startMesh({ natsUrl: nats.url, env: { PEER_TIMEOUT_MS: "10000" } });
}, 120_000);
afterAll(stopAll);

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${mesh.url("gateway")}${path}`, {
    method,
    headers: { "content-type": "application/json", ...adminHeaders() },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function created(method: string, path: string, body: unknown) {
  const res = await api(method, path, body);
  if (res.status !== 200 && res.status !== 201) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

interface OrderLine {
  productId: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
}
interface Order {
  id: string;
  status: string;
  totalCents: number;
  lines: OrderLine[];
}

/** What the sales report must say, worked out from the orders themselves (CONFIRMED only). */
function salesFromOrders(orders: Order[]) {
  const confirmed = orders.filter((order) => order.status === "CONFIRMED");
  const products = new Map<string, { productId: string; name: string; units: number; revenueCents: number }>();
  for (const line of confirmed.flatMap((order) => order.lines)) {
    const row = products.get(line.productId) ?? { productId: line.productId, name: line.name, units: 0, revenueCents: 0 };
    row.units += line.quantity;
    row.revenueCents += line.quantity * line.unitPriceCents;
    products.set(line.productId, row);
  }
  return {
    totals: {
      orders: confirmed.length,
      units: confirmed.reduce((sum, order) => sum + order.lines.reduce((n, line) => n + line.quantity, 0), 0),
      revenueCents: confirmed.reduce((sum, order) => sum + order.totalCents, 0),
    },
    // reporting's first page lists the best sellers first.
    products: { items: [...products.values()].sort((a, b) => b.revenueCents - a.revenueCents || b.productId.localeCompare(a.productId)), nextCursor: null },
  };
}

describe("reports through the gateway", () => {
  let customerId: string;

  it("equal the orders' own answers once reporting has read the events", async () => {
    const tag = Date.now();
    customerId = (await created("POST", "/api/users", { email: `reports${tag}@example.com`, name: "Report Reader" })).id;
    const lamp = await created("POST", "/api/products", { sku: `REP-LAMP-${tag}`, name: "Reading lamp", priceCents: 1250 });
    const bulb = await created("POST", "/api/products", { sku: `REP-BULB-${tag}`, name: "Spare bulb", priceCents: 399 });
    await created("PUT", `/api/inventory/${lamp.id}`, { onHand: 50 });
    await created("PUT", `/api/inventory/${bulb.id}`, { onHand: 50 });
    await created("PUT", `/api/customers/${customerId}/credit`, { limitCents: 10_000 });

    // The rejected order goes first: once the confirmed one is counted, reporting has read past both.
    const overLimit = await api("POST", "/api/orders", { customerId, items: [{ productId: lamp.id, quantity: 10 }] });
    expect(overLimit.body).toMatchObject({ status: "REJECTED", rejectionReason: "payment_declined" });
    const confirmed = await api("POST", "/api/orders", {
      customerId,
      items: [
        { productId: lamp.id, quantity: 2 },
        { productId: bulb.id, quantity: 3 },
      ],
    });
    expect(confirmed.body).toMatchObject({ status: "CONFIRMED", totalCents: 2 * 1250 + 3 * 399 });

    const orders = await api("GET", `/api/customers/${customerId}/orders`);
    expect(orders.body.items.map((order: Order) => order.status).sort()).toEqual(["CONFIRMED", "REJECTED"]);
    const expected = salesFromOrders(orders.body.items);

    const sales = await waitFor("reporting to count the confirmed order", async () => {
      const res = await api("GET", "/api/reports/sales");
      return res.status === 200 && res.body.totals.orders === expected.totals.orders ? res.body : undefined;
    });
    expect(sales).toEqual({ ...expected, asOf: expect.any(String) });
    expect(sales.totals).toEqual({ orders: 1, units: 5, revenueCents: 3697 });
    expect(sales.products.items.map((p: { name: string }) => p.name)).toEqual(["Reading lamp", "Spare bulb"]);
    expect(Number.isNaN(Date.parse(sales.asOf))).toBe(false);

    const report = await api("GET", `/api/reports/customers/${customerId}`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ customerId, orders: 1, spentCents: expected.totals.revenueCents });
    expect(report.body.firstOrderAt).toBe(report.body.lastOrderAt);

    const summary = await api("GET", `/api/customers/${customerId}/summary`);
    expect(summary.status).toBe(200);
    expect(summary.body.stats).toEqual(report.body);
    expect(summary.body.degraded).toEqual([]);
    expect(summary.body.orders.items.map((order: Order) => order.id).sort()).toEqual(orders.body.items.map((order: Order) => order.id).sort());

    const typed = createGatewayClient(mesh.url("gateway"));
    expect(await typed.reports.sales.query()).toEqual(sales);
    expect(await typed.reports.customer.query({ customerId })).toEqual(report.body);
  });

  it("with reporting stopped, the summary answers 200 degraded [reporting] and the reports 503 naming it", async () => {
    await mesh.stop("reporting");

    const summary = await api("GET", `/api/customers/${customerId}/summary`);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ customer: { id: customerId }, stats: null, degraded: ["reporting"] });
    expect(summary.body.orders.items).toHaveLength(2);

    for (const path of ["/api/reports/sales", `/api/reports/customers/${customerId}`]) {
      const res = await api("GET", path);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: "PEER_UNAVAILABLE", details: { peer: "reporting" } });
      expect(res.body.error.message).toContain("reporting");
    }

    const health = await api("GET", "/health");
    expect(health.body).toMatchObject({ ready: false, degraded: ["reporting"] });
  });
});
