/**
 * The shop through the gateway's public REST API only, every worker a real Bun process with a
 * real nats-server: the three saga outcomes with stock and credit exact afterwards, no overselling
 * under 200 concurrent orders, and one order per Idempotency-Key however often it is sent. Stock is
 * committed and credit captured after the answer (on orders.order.confirmed): the tests wait for it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAll, waitFor } from "./support/processes";
import { startShopMesh, type TestMesh } from "./support/mesh";

let mesh: TestMesh;

beforeAll(async () => {
  mesh = await startShopMesh();
}, 120_000);
afterAll(stopAll);

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${mesh.url("gateway")}${path}`, {
    method,
    headers: { "content-type": "application/json", ...adminAuthorization(), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The admin key test/support gives the mesh (stock and credit writes need it). */
function adminAuthorization(): Record<string, string> {
  const key = process.env["ADMIN_API_KEY"];
  return key ? { authorization: `Bearer ${key}` } : {};
}

let seq = 0;
async function shop(options: { stock: number; priceCents: number; limitCents: number }) {
  seq += 1;
  const tag = `${seq}-${Date.now()}`;
  const customer = await api("POST", "/api/users", { email: `shop${tag}@example.com`, name: `Shopper ${seq}` });
  expect(customer.status).toBe(201);
  const product = await api("POST", "/api/products", { sku: `SHOP-${tag}`, name: `Kettle ${tag}`, priceCents: options.priceCents });
  expect(product.status).toBe(201);
  expect((await api("PUT", `/api/inventory/${product.body.id}`, { onHand: options.stock })).status).toBe(200);
  expect((await api("PUT", `/api/customers/${customer.body.id}/credit`, { limitCents: options.limitCents })).status).toBe(200);
  return { customerId: customer.body.id as string, productId: product.body.id as string };
}

/** Places an order and, if the saga outlived the request (202), waits for its end. */
async function placeOrder(customerId: string, productId: string, quantity: number, headers: Record<string, string> = {}) {
  const placed = await api("POST", "/api/orders", { customerId, items: [{ productId, quantity }] }, headers);
  expect([201, 202]).toContain(placed.status);
  if (placed.status === 201) return placed.body;
  return waitFor(
    `order ${placed.body.id} to end`,
    async () => {
      const order = (await api("GET", `/api/orders/${placed.body.id}`)).body;
      return order.status === "PENDING" ? undefined : order;
    },
    120_000,
  );
}

const stockOf = async (productId: string) => (await api("GET", `/api/inventory/${productId}`)).body;
const creditOf = async (customerId: string) => (await api("GET", `/api/customers/${customerId}/credit`)).body;
/** Waits (bounded) until nothing of the shop is held any more: every confirmed order committed and captured. */
const settled = (productId: string, customerId: string) =>
  waitFor(
    "stock committed and credit captured",
    async () => ((await stockOf(productId)).reserved === 0 && (await creditOf(customerId)).authorizedCents === 0 ? true : undefined),
    60_000,
  );

describe("the shop through the gateway", () => {
  it("confirms, rejects for stock and rejects for credit, leaving stock and credit exact", async () => {
    const { customerId, productId } = await shop({ stock: 5, priceCents: 1000, limitCents: 3500 });

    const confirmed = await placeOrder(customerId, productId, 2);
    expect(confirmed).toMatchObject({ status: "CONFIRMED", totalCents: 2000, customerId });
    expect(confirmed.lines).toEqual([{ productId, name: expect.stringContaining("Kettle"), unitPriceCents: 1000, quantity: 2 }]);
    await settled(productId, customerId);
    expect(await stockOf(productId)).toEqual({ productId, onHand: 3, reserved: 0, available: 3 });
    expect(await creditOf(customerId)).toMatchObject({ limitCents: 3500, authorizedCents: 0, capturedCents: 2000, availableCents: 1500 });

    const noStock = await placeOrder(customerId, productId, 4);
    expect(noStock).toMatchObject({ status: "REJECTED", rejectionReason: "insufficient_stock" });
    expect(await stockOf(productId)).toEqual({ productId, onHand: 3, reserved: 0, available: 3 });
    expect(await creditOf(customerId)).toMatchObject({ authorizedCents: 0, capturedCents: 2000, availableCents: 1500 });

    const noCredit = await placeOrder(customerId, productId, 2);
    expect(noCredit).toMatchObject({ status: "REJECTED", rejectionReason: "payment_declined" });
    expect(await stockOf(productId)).toEqual({ productId, onHand: 3, reserved: 0, available: 3 });
    expect(await creditOf(customerId)).toMatchObject({ authorizedCents: 0, capturedCents: 2000, availableCents: 1500 });
  }, 120_000);

  it("sells exactly 50 units to 200 concurrent orders for a product with 50 in stock", async () => {
    const { customerId, productId } = await shop({ stock: 50, priceCents: 100, limitCents: 1_000_000 });
    const orders = await Promise.all(Array.from({ length: 200 }, () => placeOrder(customerId, productId, 1)));
    const confirmed = orders.filter((order) => order.status === "CONFIRMED");
    const rejected = orders.filter((order) => order.status === "REJECTED");
    expect(confirmed).toHaveLength(50);
    expect(rejected).toHaveLength(150);
    expect(new Set(rejected.map((order) => order.rejectionReason))).toEqual(new Set(["insufficient_stock"]));
    await settled(productId, customerId);
    expect(await stockOf(productId)).toEqual({ productId, onHand: 0, reserved: 0, available: 0 });
    expect(await creditOf(customerId)).toMatchObject({ authorizedCents: 0, capturedCents: 50 * 100 });
  }, 300_000);

  it("makes one order, one reservation and one authorization for one Idempotency-Key sent 5 times", async () => {
    const { customerId, productId } = await shop({ stock: 10, priceCents: 700, limitCents: 100_000 });
    const key = { "Idempotency-Key": `accept-${Date.now()}` };
    const first = await placeOrder(customerId, productId, 3, key);
    const concurrent = await Promise.all([1, 2, 3].map(() => placeOrder(customerId, productId, 3, key)));
    const last = await placeOrder(customerId, productId, 3, key);
    for (const order of [...concurrent, last]) expect(order.id).toBe(first.id);
    const orders = (await api("GET", `/api/customers/${customerId}/orders`)).body;
    expect(orders.items.map((order: { id: string }) => order.id)).toEqual([first.id]);
    await settled(productId, customerId);
    expect(await stockOf(productId)).toEqual({ productId, onHand: 7, reserved: 0, available: 7 });
    expect(await creditOf(customerId)).toMatchObject({ authorizedCents: 0, capturedCents: 2100 });
  }, 120_000);
});
