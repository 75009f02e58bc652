/**
 * CQRS read models end to end: real nats-server, real Bun processes for every worker. Orders
 * confirmed while NATS is down wait in the outbox and show as backlog; once NATS is back they
 * drain, and reporting's numbers equal the orders' own exactly. A rebuild from the streams gives
 * the same rows. catalog's inStock read model follows inventory's events.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNats, stopAll, trpcMutation, trpcQuery, waitFor, type RunningNats } from "./support/processes";
import { startMesh, type TestMesh } from "./support/mesh";

let nats: RunningNats;
let mesh: TestMesh;

beforeAll(async () => {
  nats = await startNats();
  mesh = await startMesh({
    natsUrl: nats.url,
    workers: ["users", "catalog", "inventory", "payments", "orders", "reporting"],
    env: { PEER_TIMEOUT_MS: "10000" },
  });
}, 120_000);
afterAll(stopAll);

const data = (result: { status: number; body: any }) => {
  if (result.status !== 200) throw new Error(`call failed (${result.status}): ${JSON.stringify(result.body)}`);
  return result.body.result.data;
};

async function setupShop(tag: string, products: { priceCents: number; stock: number }[], limitCents: number) {
  const customer = data(await trpcMutation(mesh.url("users"), "register", { email: `rep-${tag}@example.com`, name: `Reporter ${tag}` }));
  const created = [];
  for (const [index, product] of products.entries()) {
    const p = data(await trpcMutation(mesh.url("catalog"), "create", { sku: `REP-${tag}-${index}`, name: `Item ${tag} ${index}`, priceCents: product.priceCents }));
    data(await trpcMutation(mesh.url("inventory"), "setStock", { productId: p.id, onHand: product.stock }));
    created.push(p);
  }
  data(await trpcMutation(mesh.url("payments"), "setCreditLimit", { customerId: customer.id, limitCents }));
  return { customer, products: created };
}

async function place(customerId: string, items: { productId: string; quantity: number }[]) {
  return data(await trpcMutation(mesh.url("orders"), "place", { customerId, items })).order;
}

/** The orders' own numbers for a set of customers: what reporting must show once quiet. */
async function ordersTruth(customerIds: string[]) {
  const truth = { orders: 0, units: 0, revenueCents: 0 };
  for (const customerId of customerIds) {
    for (const order of data(await trpcQuery(mesh.url("orders"), "byCustomer", { customerId, limit: 100 })).items) {
      if (order.status !== "CONFIRMED") continue;
      truth.orders += 1;
      truth.revenueCents += order.totalCents;
      truth.units += order.lines.reduce((sum: number, line: { quantity: number }) => sum + line.quantity, 0);
    }
  }
  return truth;
}

async function readyBody(name: "orders" | "inventory") {
  const res = await fetch(`${mesh.url(name)}/health/ready`);
  return (await res.json()) as { outbox?: { pending: number; oldestAgeMs: number | null } };
}

describe("reporting read models", () => {
  it("keep counting exactly across a NATS outage, and a rebuild reproduces the same rows", async () => {
    const shop = await setupShop(
      "a",
      [
        { priceCents: 1250, stock: 100 },
        { priceCents: 399, stock: 100 },
      ],
      30_000,
    );
    const [first, second] = shop.products;
    expect((await place(shop.customer.id, [{ productId: first.id, quantity: 2 }])).status).toBe("CONFIRMED");
    expect(
      (
        await place(shop.customer.id, [
          { productId: first.id, quantity: 1 },
          { productId: second.id, quantity: 3 },
        ])
      ).status,
    ).toBe("CONFIRMED");
    // Over the credit limit: REJECTED, must not be counted.
    expect((await place(shop.customer.id, [{ productId: first.id, quantity: 30 }])).status).toBe("REJECTED");

    await nats.kill("SIGTERM");
    const duringOutage = [];
    for (let i = 0; i < 3; i++) duringOutage.push(await place(shop.customer.id, [{ productId: second.id, quantity: 1 }]));
    expect(duringOutage.map((order) => order.status)).toEqual(["CONFIRMED", "CONFIRMED", "CONFIRMED"]);
    const backlog = await waitFor("orders outbox backlog", async () => {
      const body = await readyBody("orders");
      return (body.outbox?.pending ?? 0) >= 3 ? body.outbox : undefined;
    });
    expect(backlog!.pending).toBeGreaterThanOrEqual(3);

    nats = await startNats({ port: nats.port, storeDir: nats.storeDir });
    await waitFor("orders outbox drained", async () => ((await readyBody("orders")).outbox?.pending === 0 ? true : undefined), 60_000);

    const truth = await ordersTruth([shop.customer.id]);
    expect(truth).toEqual({ orders: 5, units: 2 + 4 + 3, revenueCents: 2 * 1250 + 1250 + 3 * 399 + 3 * 399 });
    const sales = await waitFor(
      "reporting to catch up",
      async () => {
        const report = data(await trpcQuery(mesh.url("reporting"), "sales", {}));
        return report.totals.orders === truth.orders ? report : undefined;
      },
      60_000,
    );
    expect(sales.totals).toEqual(truth);
    expect(sales.products.items.find((p: { productId: string }) => p.productId === first.id)).toMatchObject({ units: 3, revenueCents: 3 * 1250, name: first.name });
    expect(data(await trpcQuery(mesh.url("reporting"), "customer", { customerId: shop.customer.id }))).toMatchObject({
      orders: 5,
      spentCents: truth.revenueCents,
    });
    const positions = data(await trpcQuery(mesh.url("reporting"), "positions", undefined));
    expect(positions).toEqual([{ consumer: "reporting-orders", stream: "ORDERS", lastSequence: expect.any(Number), lastEventAt: expect.any(Number), updatedAt: expect.any(Number) }]);

    const before = data(await trpcQuery(mesh.url("reporting"), "snapshot", undefined));
    const rebuilt = data(await trpcMutation(mesh.url("reporting"), "rebuild", {}));
    expect(rebuilt.replayed).toBe(5);
    const after = data(await trpcQuery(mesh.url("reporting"), "snapshot", undefined));
    expect(after).toEqual(before);
  }, 180_000);

  it("catalog shows inStock from inventory's events, without calling inventory", async () => {
    const shop = await setupShop("b", [{ priceCents: 500, stock: 1 }], 10_000);
    const [product] = shop.products;
    const inStock = async () => data(await trpcQuery(mesh.url("catalog"), "get", { id: product.id })).inStock;
    await waitFor("inStock true", async () => ((await inStock()) === true ? true : undefined), 30_000);
    expect((await place(shop.customer.id, [{ productId: product.id, quantity: 1 }])).status).toBe("CONFIRMED");
    await waitFor("inStock false after the last unit sold", async () => ((await inStock()) === false ? true : undefined), 30_000);
    // With inventory stopped, the read model still answers.
    await mesh.stop("inventory");
    expect(await inStock()).toBe(false);
    await mesh.start("inventory");
  }, 120_000);
});
