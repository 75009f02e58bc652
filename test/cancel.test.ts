/**
 * Order cancellation as a choreographed saga, through the gateway's public REST API with every
 * worker a real Bun process and a real nats-server: a confirmed order cancelled ends CANCELLED
 * with its stock back, its credit restored, one refund and reporting netting it; a repeat with the
 * same key answers the same and changes nothing; with inventory down the order waits CANCELLING
 * (payments already refunded) and ends CANCELLED once inventory is back, nothing applied twice
 * (inventory, stopped right after the confirmation, may see the confirmed event and the
 * cancellation in either order: it commits once and returns what it committed).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, stopAll, trpcQuery, waitFor } from "./support/processes";
import { startShopMesh, type TestMesh } from "./support/mesh";

let mesh: TestMesh;

beforeAll(async () => {
  mesh = await startShopMesh();
}, 120_000);
afterAll(stopAll);

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${mesh.url("gateway")}${path}`, {
    method,
    headers: { "content-type": "application/json", ...adminHeaders(), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any, location: res.headers.get("location") };
}

let seq = 0;
/** A customer with credit, a product with stock, and one CONFIRMED order of `quantity` units. */
async function confirmedOrder(options: { stock: number; priceCents: number; limitCents: number; quantity: number }) {
  seq += 1;
  const tag = `${seq}-${Date.now()}`;
  const customerId = (await api("POST", "/api/users", { email: `cancel${tag}@example.com`, name: `Canceller ${seq}` })).body.id as string;
  const productId = (await api("POST", "/api/products", { sku: `CNL-${tag}`, name: `Teapot ${tag}`, priceCents: options.priceCents })).body.id as string;
  expect((await api("PUT", `/api/inventory/${productId}`, { onHand: options.stock })).status).toBe(200);
  expect((await api("PUT", `/api/customers/${customerId}/credit`, { limitCents: options.limitCents })).status).toBe(200);
  const placed = await api("POST", "/api/orders", { customerId, items: [{ productId, quantity: options.quantity }] });
  expect(placed.status).toBe(201);
  expect(placed.body.status).toBe("CONFIRMED");
  return { customerId, productId, order: placed.body };
}

const orderOf = async (id: string) => (await api("GET", `/api/orders/${id}`)).body;
const stockOf = async (productId: string) => (await api("GET", `/api/inventory/${productId}`)).body;
const creditOf = async (customerId: string) => (await api("GET", `/api/customers/${customerId}/credit`)).body;
const until = (what: string, probe: () => Promise<boolean>) => waitFor(what, async () => ((await probe()) ? true : undefined), 60_000);
async function refundsOf(orderId: string) {
  const audit = await trpcQuery(mesh.url("payments"), "audit", null);
  return (audit.body.result.data.refunds as { orderId: string; amountCents: number }[]).filter((refund) => refund.orderId === orderId);
}
const cancel = (id: string, key: string) => api("POST", `/api/orders/${id}/cancel`, undefined, { "idempotency-key": key });

describe("cancelling an order (choreography over real processes)", () => {
  it("acceptance 1: CANCELLED within seconds, stock back, credit restored, one refund, reporting nets it; the same key again answers the same and changes nothing", async () => {
    const { customerId, productId, order } = await confirmedOrder({ stock: 10, priceCents: 1500, limitCents: 10_000, quantity: 3 });
    // inventory commits the stock on orders.order.confirmed, after the answer: wait for it.
    await until("inventory to commit the order's stock", async () => (await stockOf(productId)).onHand === 7);
    expect(await stockOf(productId)).toMatchObject({ onHand: 7, reserved: 0, available: 7 });
    // Reporting counts the order from its event, after the answer: read the totals once it has.
    await until("reporting to count the order", async () => (await api("GET", `/api/reports/customers/${customerId}`)).body.orders === 1);
    const salesBefore = (await api("GET", "/api/reports/sales")).body.totals;

    const first = await cancel(order.id, `cancel-${order.id}`);
    expect(first.status).toBe(202);
    expect(first.location).toBe(`/api/orders/${order.id}`);
    expect(first.body).toMatchObject({ id: order.id, status: "CANCELLING" });

    await until("the order CANCELLED", async () => (await orderOf(order.id)).status === "CANCELLED");
    expect(await stockOf(productId)).toEqual({ productId, onHand: 10, reserved: 0, available: 10 });
    expect(await creditOf(customerId)).toMatchObject({ limitCents: 10_000, authorizedCents: 0, capturedCents: 0, availableCents: 10_000 });
    expect(await refundsOf(order.id)).toMatchObject([{ orderId: order.id, amountCents: 4500 }]);
    await until("reporting to net the refund", async () => (await api("GET", `/api/reports/customers/${customerId}`)).body.cancelledOrders === 1);
    const sales = (await api("GET", "/api/reports/sales")).body.totals;
    expect(sales.revenueCents).toBe(salesBefore.revenueCents - 4500);
    await until("catalog's inStock to follow", async () => (await api("GET", `/api/products/${productId}`)).body.inStock === true);

    const repeat = await cancel(order.id, `cancel-${order.id}`);
    expect(repeat.status).toBe(202);
    expect(repeat.location).toBe(`/api/orders/${order.id}`);
    expect(repeat.body.id).toBe(order.id);
    const other = await cancel(order.id, `another-${order.id}`);
    expect(other.status).toBe(409);
    expect(other.body.error.message).toContain("CANCELLED");
    expect(await stockOf(productId)).toMatchObject({ onHand: 10 });
    expect(await refundsOf(order.id)).toHaveLength(1);
    expect(await creditOf(customerId)).toMatchObject({ availableCents: 10_000 });
  });

  it("refuses a REJECTED order by name and an unknown id with 404", async () => {
    const { customerId, productId } = await confirmedOrder({ stock: 2, priceCents: 100, limitCents: 1000, quantity: 1 });
    const rejected = await api("POST", "/api/orders", { customerId, items: [{ productId, quantity: 5 }] });
    expect(rejected.body.status).toBe("REJECTED");
    const refused = await cancel(rejected.body.id, `r-${rejected.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("REJECTED");
    expect((await cancel("no-such-order", "k-unknown")).status).toBe(404);
  });

  it("acceptance 2: with inventory down the order stays CANCELLING with payments already refunded; inventory back → CANCELLED, nothing applied twice", async () => {
    const { customerId, productId, order } = await confirmedOrder({ stock: 8, priceCents: 700, limitCents: 5000, quantity: 2 });
    await mesh.stop("inventory");
    expect((await cancel(order.id, `down-${order.id}`)).status).toBe(202);

    await until("payments to refund", async () => (await refundsOf(order.id)).length === 1);
    expect(await creditOf(customerId)).toMatchObject({ capturedCents: 0, availableCents: 5000 });
    const waiting = await orderOf(order.id);
    expect(waiting.status).toBe("CANCELLING");
    expect(waiting.cancellation).toMatchObject({ stockReturnedAt: null, refundedCents: 1400 });

    await mesh.start("inventory");
    await until("the order CANCELLED", async () => (await orderOf(order.id)).status === "CANCELLED");
    expect(await stockOf(productId)).toEqual({ productId, onHand: 8, reserved: 0, available: 8 });
    expect(await refundsOf(order.id)).toMatchObject([{ amountCents: 1400 }]);
    expect(await creditOf(customerId)).toMatchObject({ capturedCents: 0, availableCents: 5000 });
    await until("reporting to count the cancellation", async () => (await api("GET", `/api/reports/customers/${customerId}`)).body.cancelledOrders === 1);
    expect((await api("GET", `/api/reports/customers/${customerId}`)).body).toMatchObject({ orders: 1, cancelledOrders: 1, refundedCents: 1400 });
  });
});
