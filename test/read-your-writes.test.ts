/**
 * Read-your-writes over the whole mesh (real nats-server, all seven workers as Bun processes):
 * each order's consistency token makes the customer report (reporting) and the product's
 * `inStock` (catalog's copy of inventory) answer with the order in; the same reads without the
 * token are counted when stale (a figure, not an assertion). With reporting's consumer stopped
 * (reporting serving, its broker unreachable), a read with a token answers 503 naming the lag, and
 * once the consumer runs again the same read answers with the order; catalog's `inStock` too. A
 * forged token is a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsistencySession, createGatewayClient } from "../workers/gateway/client";
import { createConsistencyTokens } from "../shared/events/consistency-token";
import { adminHeaders, freePort, startNats, stopAll, testMeshSecret } from "./support/processes";
import { startMesh, type TestMesh } from "./support/mesh";

const tokens = createConsistencyTokens(testMeshSecret);
let mesh: TestMesh;
let natsUrl: string;
// The machine is shared: the reads wait longer than the default 2 s before a 503, which only test 2 wants.
const meshEnv = { PEER_TIMEOUT_MS: "15000", ORDER_PLACE_TIMEOUT_MS: "30000", READ_WAIT_MS: "15000" };

beforeAll(async () => {
  natsUrl = (await startNats()).url;
  mesh = await startMesh({ natsUrl, env: meshEnv });
}, 180_000);
afterAll(stopAll);

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function api(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(`${mesh.url("gateway")}${path}`, {
    method,
    headers: { "content-type": "application/json", ...adminHeaders(), ...options.headers },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

async function written(method: string, path: string, body: unknown): Promise<Answer> {
  const answer = await api(method, path, { body });
  if (answer.status >= 300) throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer;
}

/** A customer with credit for all its orders, and `count` products with one unit each: an order of one takes the last unit. */
async function shopFor(tag: string, count: number) {
  const customer = (await written("POST", "/api/users", { email: `ryw-${tag}@example.com`, name: `Reader ${tag}` })).body;
  await written("PUT", `/api/customers/${customer.id}/credit`, { limitCents: 100 * count });
  const products: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const product = (await written("POST", "/api/products", { sku: `RYW-${tag}-${i}`, name: `Last one ${i}`, priceCents: 100 })).body;
    await written("PUT", `/api/inventory/${product.id}`, { onHand: 1 });
    products.push(product.id);
  }
  return { customerId: customer.id as string, products };
}

/** Runs `lanes` at once, each over its own items in order. */
async function inLanes<T>(lanes: T[][], run: (item: T, index: number, lane: number) => Promise<void>): Promise<void> {
  await Promise.all(lanes.map(async (items, lane) => items.reduce((done, item, index) => done.then(() => run(item, index, lane)), Promise.resolve())));
}

describe("read-your-writes through the gateway", () => {
  it("1,000 orders: every read with the order's token shows it; reads without the token are counted when stale", { timeout: 900_000 }, async () => {
    const lanes = 4;
    const shops = await Promise.all(Array.from({ length: lanes }, (_, lane) => shopFor(`${Date.now()}-${lane}`, 250)));
    const missing: string[] = [];
    const stale = { report: 0, inStock: 0 };
    await inLanes(
      shops.map((shop) => shop.products.map((productId) => ({ shop, productId }))),
      async ({ shop, productId }, index) => {
        const placed = await written("POST", "/api/orders", { customerId: shop.customerId, items: [{ productId, quantity: 1 }] });
        expect(placed.body.status).toBe("CONFIRMED");
        const token = placed.headers.get("x-consistency-token")!;
        // It names the order's own events and those of its saga's peers (inventory's reservation feeds inStock).
        if (index === 0) expect(new Set(tokens.read(token).map((event) => event.owner))).toEqual(new Set(["orders", "inventory", "payments"]));
        const withToken = { headers: { "x-consistency-token": token } };
        // At once, all four: with the token (they wait for the order's events) and without (they answer what they have).
        const [report, product, reportNow, productNow] = await Promise.all([
          api("GET", `/api/reports/customers/${shop.customerId}`, withToken),
          api("GET", `/api/products/${productId}?after=${encodeURIComponent(token)}`),
          api("GET", `/api/reports/customers/${shop.customerId}`),
          api("GET", `/api/products/${productId}`),
        ]);
        if (report.status !== 200 || report.body.orders !== index + 1) missing.push(`report after order ${index + 1}: ${report.status} ${JSON.stringify(report.body)}`);
        if (product.status !== 200 || product.body.inStock !== false) missing.push(`product ${productId}: ${product.status} inStock ${product.body.inStock}`);
        expect(reportNow.headers.get("x-read-model-lag-ms")).toMatch(/^\d+$/);
        if (reportNow.body.orders !== index + 1) stale.report += 1;
        if (productNow.body.inStock !== false) stale.inStock += 1;
      },
    );
    process.stdout.write(`read-your-writes: without the token, ${stale.report} of 1000 customer reports and ${stale.inStock} of 1000 products' inStock were stale\n`);
    expect(missing).toEqual([]);
  });

  it("a typed client's session carries its latest token to its next reads", async () => {
    const shop = await shopFor(`${Date.now()}-session`, 3);
    const session = createConsistencySession();
    const client = createGatewayClient(mesh.url("gateway"), { session, headers: adminHeaders });
    for (const [index, productId] of shop.products.entries()) {
      const { order, consistencyToken } = await client.orders.place.mutate({ customerId: shop.customerId, items: [{ productId, quantity: 1 }] });
      expect([order.status, session.token]).toEqual(["CONFIRMED", consistencyToken]);
      expect((await client.reports.customer.query({ customerId: shop.customerId })).orders).toBe(index + 1);
      expect((await client.products.get.query({ id: productId })).inStock).toBe(false);
    }
    // The session's token covers every order it placed: the first product's inStock waits for its order too.
    const first = await api("GET", `/api/products/${shop.products[0]}`, { headers: { "x-consistency-token": session.token! } });
    expect(first.body.inStock).toBe(false);
  });

  it("refuses a tampered or foreign token with a 400 naming x-consistency-token, on reads and writes", async () => {
    const shop = await shopFor(`${Date.now()}-forged`, 1);
    const placed = await written("POST", "/api/orders", { customerId: shop.customerId, items: [{ productId: shop.products[0], quantity: 1 }] });
    const token = placed.headers.get("x-consistency-token")!;
    const tampered = `${token.slice(0, 10)}${token[10] === "A" ? "B" : "A"}${token.slice(11)}`;
    const foreign = createConsistencyTokens("another-mesh-secret-of-at-least-32-bytes!!").issue([{ subject: "orders.order.confirmed", id: placed.body.id }])!;
    for (const bad of [tampered, foreign]) {
      const answers = [
        await api("GET", `/api/reports/customers/${shop.customerId}`, { headers: { "x-consistency-token": bad } }),
        await api("GET", `/api/reports/customers/${shop.customerId}?after=${encodeURIComponent(bad)}`),
        await api("POST", "/api/users", { body: { email: `forged-${Date.now()}@example.com`, name: "Forged" }, headers: { "x-consistency-token": bad } }),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(answer.body.error.code).toBe("BAD_INPUT");
        expect(answer.body.error.message).toContain("x-consistency-token");
      }
    }
  });

  it("with the consumers stopped, a read with a token answers 503 naming the lag; once they consume again, the same read shows the order", { timeout: 180_000 }, async () => {
    const shop = await shopFor(`${Date.now()}-stopped`, 2);
    // A first order reporting has applied (its token answered), so it has a position to lag from.
    const first = await written("POST", "/api/orders", { customerId: shop.customerId, items: [{ productId: shop.products[1], quantity: 1 }] });
    expect((await api("GET", `/api/reports/customers/${shop.customerId}`, { headers: { "x-consistency-token": first.headers.get("x-consistency-token")! } })).body.orders).toBe(1);
    // reporting and catalog keep serving, but their broker is an address where nothing listens: their consumers cannot run.
    const nowhere = `nats://127.0.0.1:${await freePort()}`;
    for (const name of ["reporting", "catalog"] as const) {
      await mesh.stop(name);
      await mesh.start(name, { NATS_URL: nowhere, READ_WAIT_MS: "500" });
    }
    const placed = await written("POST", "/api/orders", { customerId: shop.customerId, items: [{ productId: shop.products[0], quantity: 1 }] });
    const withToken = { headers: { "x-consistency-token": placed.headers.get("x-consistency-token")! } };

    const behind = await api("GET", `/api/reports/customers/${shop.customerId}`, withToken);
    expect(behind.status).toBe(503);
    expect(behind.body.error.code).toBe("READ_MODEL_BEHIND");
    expect(behind.body.error.message).toMatch(/reporting's read model has not applied \d+ event\(s\) of the x-consistency-token yet \(after 500 ms\); it lags \d+ ms/);
    expect(Number(behind.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(behind.headers.get("x-read-model-lag-ms"))).toBe(behind.body.error.details.lagMs);
    expect(behind.body.error.details.lagMs).toBeGreaterThan(0);
    // Without the token it answers at once with what it has, and says it lags.
    const now = await api("GET", `/api/reports/customers/${shop.customerId}`);
    expect([now.status, now.body.orders]).toEqual([200, 1]);
    expect(Number(now.headers.get("x-read-model-lag-ms"))).toBeGreaterThan(0);

    // catalog's inStock (its copy of inventory's levels) the same: the product is the essential part of its answer.
    const product = await api("GET", `/api/products/${shop.products[0]}`, withToken);
    expect([product.status, product.body.error.code]).toEqual([503, "READ_MODEL_BEHIND"]);
    expect(product.body.error.message).toMatch(/^catalog's read model has not applied \d+ event\(s\) of the x-consistency-token yet/);

    for (const name of ["reporting", "catalog"] as const) {
      await mesh.stop(name);
      await mesh.start(name, meshEnv);
    }
    const after = await api("GET", `/api/reports/customers/${shop.customerId}`, withToken);
    expect([after.status, after.body.orders]).toEqual([200, 2]);
    const inStock = await api("GET", `/api/products/${shop.products[0]}`, withToken);
    expect([inStock.status, inStock.body.inStock]).toEqual([200, false]);
  });
});
