/**
 * The gateway's public REST API over the whole mesh: users, catalog, inventory, payments, orders,
 * reporting and the gateway as real Bun processes wired by their `<PEER>_URL` variables. Peers are stopped
 * one at a time to check the composed reads degrade (200 + `degraded`) and a write fails fast.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import Database from "better-sqlite3";
import { adminHeaders, freePort, startWorker, stopAll, tempDir, waitFor, type RunningWorker } from "./support/processes";

const peerNames = ["users", "catalog", "inventory", "payments", "orders", "reporting"] as const;
type PeerName = (typeof peerNames)[number];

let dataDir: string;
const ports = {} as Record<PeerName, number>;
const running = {} as Record<PeerName, RunningWorker>;
let gateway: RunningWorker;

const urlOf = (name: PeerName) => `http://127.0.0.1:${ports[name]}`;
const peerEnv = () => Object.fromEntries(peerNames.map((name) => [`${name.toUpperCase()}_URL`, urlOf(name)]));

async function start(name: PeerName): Promise<void> {
  // Workers are isolated from any broker on this machine: NATS_URL points at a closed port.
  running[name] = await startWorker(name, { DATA_DIR: dataDir, NATS_URL: natsUrl, ...peerEnv() }, { port: ports[name] });
}

let natsUrl: string;

beforeAll(async () => {
  dataDir = tempDir("gateway-mesh");
  natsUrl = `nats://127.0.0.1:${await freePort()}`;
  for (const name of peerNames) ports[name] = await freePort();
  await Promise.all(peerNames.filter((name) => name !== "orders").map(start));
  await start("orders");
  gateway = await startWorker("gateway", { NATS_URL: natsUrl, ...peerEnv() });
});
afterAll(stopAll);

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    // The admin key rides along: the shop is set up by its operator (stock, credit).
    headers: { "content-type": "application/json", ...adminHeaders(), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

let seq = 0;
/** A customer with credit and a product with stock, made through the public API. */
async function shop(stock: number, priceCents: number, limitCents: number) {
  seq += 1;
  const tag = `${seq}-${Date.now()}`;
  const user = await api("POST", "/api/users", { email: `gw${tag}@example.com`, name: `Gateway ${seq}` });
  expect(user.status).toBe(201);
  const product = await api("POST", "/api/products", { sku: `GW-${tag}`, name: `Desk lamp ${tag}`, priceCents, attributes: { colour: "green" } });
  expect(product.status).toBe(201);
  expect((await api("PUT", `/api/inventory/${product.body.id}`, { onHand: stock })).body).toEqual({
    productId: product.body.id,
    onHand: stock,
    reserved: 0,
    available: stock,
  });
  expect((await api("PUT", `/api/customers/${user.body.id}/credit`, { limitCents })).status).toBe(200);
  return { customerId: user.body.id as string, productId: product.body.id as string, sku: `GW-${tag}` };
}

/** Waits until the gateway sees the restarted peer again (its breaker may still be open a moment). */
async function untilHealthy(name: PeerName) {
  await waitFor(`gateway to see ${name}`, async () => {
    const { customerId, productId } = lastShop;
    const checks: Record<PeerName, () => Promise<boolean>> = {
      users: async () => (await api("GET", `/api/customers/${customerId}/summary`)).status === 200,
      catalog: async () => (await api("GET", `/api/products/${productId}`)).status === 200,
      inventory: async () => (await api("GET", `/api/products/${productId}`)).body.degraded?.length === 0,
      payments: async () => (await api("GET", `/api/customers/${customerId}/credit`)).status === 200,
      orders: async () => (await api("GET", `/api/customers/${customerId}/summary`)).body.degraded?.length === 0,
      reporting: async () => (await api("GET", `/api/customers/${customerId}/summary`)).body.degraded?.length === 0,
    };
    return (await checks[name]()) ? true : undefined;
  });
}
let lastShop: { customerId: string; productId: string };

describe("gateway REST API over real worker processes", () => {
  it("creates a user, product, stock and credit, then places an order that ends CONFIRMED (201)", async () => {
    const { customerId, productId, sku } = await shop(10, 1250, 100_000);
    lastShop = { customerId, productId };
    const placed = await api("POST", "/api/orders", { customerId, items: [{ productId, quantity: 2 }] }, { "Idempotency-Key": `gw-key-${sku}` });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      customerId,
      status: "CONFIRMED",
      lines: [{ productId, name: `Desk lamp ${sku.slice(3)}`, unitPriceCents: 1250, quantity: 2 }],
      totalCents: 2500,
      rejectionReason: null,
    });
    expect(placed.headers.get("location")).toBe(`/api/orders/${placed.body.id}`);
    expect(placed.body.correlationId).toBe(placed.headers.get("x-correlation-id"));

    const repeat = await api("POST", "/api/orders", { customerId, items: [{ productId, quantity: 2 }] }, { "Idempotency-Key": `gw-key-${sku}` });
    expect(repeat.body.id).toBe(placed.body.id);

    expect((await api("GET", `/api/orders/${placed.body.id}`)).body).toEqual(placed.body);
    expect((await api("GET", `/api/customers/${customerId}/orders`)).body.items.map((o: { id: string }) => o.id)).toEqual([placed.body.id]);
    // Confirmed at the pivot: the stock is held and the credit authorized; commit and capture are
    // carried by orders.order.confirmed, which waits in orders' outbox here (no broker).
    expect((await api("GET", `/api/inventory/${productId}`)).body).toEqual({ productId, onHand: 10, reserved: 2, available: 8 });
    expect((await api("GET", `/api/customers/${customerId}/credit`)).body).toMatchObject({
      limitCents: 100_000,
      authorizedCents: 2500,
      capturedCents: 0,
      availableCents: 97_500,
    });

    const product = await api("GET", `/api/products/${productId}`);
    expect(product.status).toBe(200);
    expect(product.body).toMatchObject({ id: productId, sku, priceCents: 1250, stock: { onHand: 10, available: 8 }, degraded: [] });
    const found = await api("GET", `/api/products?q=${encodeURIComponent(sku)}`);
    expect(found.body.items.map((p: { id: string }) => p.id)).toContain(productId);
    const patched = await api("PATCH", `/api/products/${productId}`, { priceCents: 1300 });
    expect(patched.body.priceCents).toBe(1300);

    const summary = await api("GET", `/api/customers/${customerId}/summary`);
    expect(summary.status).toBe(200);
    // No broker here, so reporting has seen no event: its stats are there, but still zero.
    expect(summary.body).toMatchObject({ customer: { id: customerId }, stats: { customerId, orders: 0 }, degraded: [] });
    expect(summary.body.orders).toMatchObject({ items: [{ id: placed.body.id }], nextCursor: null });

    const health = await api("GET", "/health");
    expect(health.status).toBe(200);
    expect(health.body.ready).toBe(true);
    expect(Object.keys(health.body.workers).sort()).toEqual([...peerNames].sort());
    expect(health.body.workers.orders).toMatchObject({ ready: true, url: urlOf("orders"), worker: "orders" });
  });

  it("replays a keyed POST /api/users and /api/products, repeats at once included, writing one row and one event; refuses the key with another body", async () => {
    const tag = `${Date.now()}`;
    /** What the owner wrote for a resource, read from its own file (read-only, beside the running worker). */
    const writtenBy = (worker: "users" | "catalog", table: string, id: string) => {
      const db = new Database(join(dataDir, `${worker}.db`), { readonly: true });
      try {
        const count = (sql: string) => (db.prepare(sql).get(id) as { n: number }).n;
        return { rows: count(`SELECT count(*) AS n FROM ${table} WHERE id = ?`), events: count("SELECT count(*) AS n FROM outbox WHERE aggregate_id = ?") };
      } finally {
        db.close();
      }
    };
    const writes = [
      { worker: "users", table: "users", path: "/api/users", body: { email: `keyed${tag}@example.com`, name: "Keyed" }, other: { email: `other${tag}@example.com`, name: "Keyed" } },
      {
        worker: "catalog",
        table: "products",
        path: "/api/products",
        body: { sku: `KEYED-${tag}`, name: "Keyed lamp", priceCents: 500 },
        other: { sku: `KEYED-${tag}`, name: "Keyed lamp", priceCents: 600 },
      },
    ] as const;
    for (const { worker, table, path, body, other } of writes) {
      const key = { "Idempotency-Key": `gw-${worker}-${tag}` };
      const first = await api("POST", path, body, key);
      expect(first.status).toBe(201);
      const repeats = await Promise.all([1, 2, 3, 4].map(() => api("POST", path, body, key)));
      for (const repeat of [...repeats, await api("POST", path, body, key)]) {
        expect(repeat.status).toBe(201);
        expect(repeat.body).toEqual(first.body);
      }
      expect(writtenBy(worker, table, first.body.id)).toEqual({ rows: 1, events: 1 });

      const reused = await api("POST", path, other, key);
      expect(reused.status).toBe(409);
      expect(reused.body.error.code).toBe("CONFLICT");
      expect(reused.body.error.message).toContain(`Idempotency-Key gw-${worker}-${tag} was already used`);
      // Without a key nothing changes: the same body again is the conflict it always was.
      expect((await api("POST", path, body)).status).toBe(409);
    }
  });

  it("refuses an unknown customer with 404 and writes no order", async () => {
    const res = await api("POST", "/api/orders", { customerId: "no-such-customer", items: [{ productId: lastShop.productId, quantity: 1 }] });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "NOT_FOUND", message: "customer no-such-customer not found" });
    expect((await api("GET", "/api/customers/no-such-customer/summary")).status).toBe(404);
  });

  it("with inventory stopped, a product answers 200 with stock null and degraded [inventory]", async () => {
    await running.inventory.kill("SIGTERM");
    const res = await api("GET", `/api/products/${lastShop.productId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: lastShop.productId, stock: null, degraded: ["inventory"] });
    const health = await api("GET", "/health");
    expect(health.body).toMatchObject({ ready: false, degraded: ["inventory"] });
    expect(health.body.workers.inventory).toMatchObject({ ready: false, error: "unreachable" });
    await start("inventory");
    await untilHealthy("inventory");
  });

  it("with orders stopped, the customer summary answers 200 with orders null and degraded [orders]", async () => {
    await running.orders.kill("SIGTERM");
    const res = await api("GET", `/api/customers/${lastShop.customerId}/summary`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customer: { id: lastShop.customerId }, orders: null, stats: { customerId: lastShop.customerId }, degraded: ["orders"] });
    await start("orders");
    await untilHealthy("orders");
  });

  it("with catalog stopped, placing an order fails fast with a 503 naming catalog and leaves nothing behind", async () => {
    const { customerId, productId } = await shop(5, 700, 50_000);
    lastShop = { customerId, productId };
    await running.catalog.kill("SIGTERM");
    const began = Date.now();
    const res = await api("POST", "/api/orders", { customerId, items: [{ productId, quantity: 1 }] });
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("PEER_UNAVAILABLE");
    expect(res.body.error.message).toContain("catalog");
    expect(res.body.error.details).toMatchObject({ peer: "catalog" });

    await start("catalog");
    await untilHealthy("catalog");
    expect((await api("GET", `/api/customers/${customerId}/orders`)).body).toEqual({ items: [], nextCursor: null });
    expect((await api("GET", `/api/inventory/${productId}`)).body).toEqual({ productId, onHand: 5, reserved: 0, available: 5 });
    expect((await api("GET", `/api/customers/${customerId}/credit`)).body).toMatchObject({ authorizedCents: 0, capturedCents: 0 });
  });

  it("answers with the caller's correlation id on success and on error", async () => {
    const ok = await api("GET", `/api/products/${lastShop.productId}`, undefined, { "x-correlation-id": "gw-corr-ok" });
    expect(ok.headers.get("x-correlation-id")).toBe("gw-corr-ok");
    const bad = await api("POST", "/api/orders", { customerId: lastShop.customerId, items: [] }, { "x-correlation-id": "gw-corr-bad" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-correlation-id")).toBe("gw-corr-bad");
  });
});
