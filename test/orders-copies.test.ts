/**
 * orders' copies of customers and products across real processes: a nats-server, users, catalog,
 * inventory, payments and orders as Bun processes. orders copies the customers and products from
 * users' and catalog's events (its durables read the streams from their first message, so what
 * existed before orders first consumed is copied too), then places and confirms an order with
 * users and catalog stopped; and a customer registered while users' events cannot reach orders
 * still orders, through the one call orders makes for an id its copy lacks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMesh, type TestMesh } from "./support/mesh";
import { freePort, startNats, stopAll, trpcMutation, waitFor, type RunningNats } from "./support/processes";

let nats: RunningNats;
let mesh: TestMesh;
/** A product with stock, created and re-priced before orders first started. */
let productId: string;

/** Calls a procedure of a worker of the mesh as the gateway would, and returns its data (fails the test with the error otherwise). */
async function call(worker: string, path: string, input: unknown) {
  const res = await trpcMutation(mesh.url(worker), path, input);
  if (res.status !== 200) throw new Error(`${worker}.${path} answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return res.body.result.data;
}

interface OrdersHealth {
  consumers: Record<string, { handled: number; consuming: boolean }>;
  copies: { lagMs: number; position: string; consuming: boolean };
}
const ordersHealth = async () => (await (await fetch(`${mesh.url("orders")}/health/ready`)).json()) as OrdersHealth;
const handled = (health: OrdersHealth, consumer: string) => health.consumers[consumer]?.handled ?? 0;

let seq = 0;
async function customerWithCredit(): Promise<string> {
  seq += 1;
  const user = await call("users", "register", { email: `copy${seq}-${Date.now()}@example.com`, name: `Copy ${seq}` });
  await call("payments", "setCreditLimit", { customerId: user.id, limitCents: 100_000 });
  return user.id as string;
}

/** Registered, like the product, before orders ever ran: its durables start at the streams' first message. */
let earlyCustomerId: string;

beforeAll(async () => {
  nats = await startNats();
  mesh = await startMesh({ natsUrl: nats.url, workers: ["users", "catalog", "inventory", "payments"], env: { PEER_TIMEOUT_MS: "15000" } });
  const product = await call("catalog", "create", { sku: `COPY-${Date.now()}`, name: "Copied Mug", priceCents: 1250 });
  productId = product.id;
  await call("inventory", "setStock", { productId, onHand: 10 });
  await call("catalog", "update", { id: productId, priceCents: 1400 });
  earlyCustomerId = await customerWithCredit();
  await mesh.start("orders");
});
afterAll(stopAll);

describe("orders' copies of customers and products", () => {
  it("copies the customers and products that existed before it first ran, and places and confirms an order with users and catalog stopped", async () => {
    const customerId = earlyCustomerId;
    const health = await waitFor("orders' copies caught up", async () => {
      const h = await ordersHealth();
      return handled(h, "orders-users") >= 1 && handled(h, "orders-catalog") >= 2 && h.copies.lagMs === 0 ? h : undefined;
    });
    expect(health.copies).toMatchObject({ consuming: true, lagMs: 0 });
    expect(health.copies.position).toMatch(/USERS:[1-9]/);
    expect(health.copies.position).toMatch(/CATALOG:[1-9]/);

    await mesh.stop("users");
    await mesh.stop("catalog");
    const placed = await call("orders", "place", { customerId, items: [{ productId, quantity: 2 }] });

    // The line is the copy's: the name, and the price of the latest change orders applied.
    expect(placed).toMatchObject({ completed: true, order: { status: "CONFIRMED", totalCents: 2800 } });
    expect(placed.order.lines).toEqual([{ productId, name: "Copied Mug", unitPriceCents: 1400, quantity: 2 }]);
  });

  it("places the order of a customer just registered, not copied yet, through one call to users (catalog stopped)", async () => {
    await waitFor("orders' copy of the product", async () => (handled(await ordersHealth(), "orders-catalog") >= 2 ? true : undefined));
    await mesh.stop("catalog");
    await mesh.stop("users");
    // users with no broker: its registration waits in its outbox, so orders can learn of the customer only by asking.
    await mesh.start("users", { NATS_URL: `nats://127.0.0.1:${await freePort()}` });
    const before = handled(await ordersHealth(), "orders-users");
    const customerId = await customerWithCredit();

    const placed = await call("orders", "place", { customerId, items: [{ productId, quantity: 1 }] });

    expect(placed).toMatchObject({ completed: true, order: { customerId, status: "CONFIRMED", totalCents: 1400 } });
    expect(handled(await ordersHealth(), "orders-users")).toBe(before);
    // Copied from users' answer: users stopped again, the customer's next order still places.
    await mesh.stop("users");
    const again = await call("orders", "place", { customerId, items: [{ productId, quantity: 1 }] });
    expect(again.order.status).toBe("CONFIRMED");
  });
});
