/**
 * The order saga against real peers: users, catalog, inventory and payments run as Bun processes
 * on their own SQLite files and a real nats-server; orders runs in-process (Node, better-sqlite3),
 * calls them over HTTP through its real peer clients and publishes on the bus, where inventory
 * and payments take orders.order.confirmed to commit and capture (the tests wait for that, bounded).
 * Every outcome is checked in the peers' own books. The bus also carries users' and catalog's
 * events to orders' copies of customers and products.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { AnyRouter } from "@trpc/server";
import type { TRPCClient } from "@trpc/client";
import { openWorkerDatabase, type WorkerDatabase } from "../shared/db/db";
import { createLogger } from "../shared/core/logger";
import { createPeerClient } from "../shared/rpc/peer-client";
import type { UsersRouter } from "../workers/users/router";
import type { CatalogRouter } from "../workers/catalog/router";
import type { InventoryRouter } from "../workers/inventory/router";
import type { PaymentsRouter } from "../workers/payments/router";
import type { OrdersRouter } from "../workers/orders/router";
import * as schema from "../workers/orders/schema";
import { createOrdersWorker } from "../workers/orders/worker";
import { createNatsConnection } from "../shared/events/nats";
import { startNats, startWorker, stopAll, tempDir, testIdentity, waitFor, type RunningWorker } from "./support/processes";

const peerOf = <R extends AnyRouter>(peer: string, url: string) =>
  // The test sets up shops as the gateway would (register, stock, credit) and reads as it does.
  createPeerClient<R>({ self: "gateway", peer, url, timeoutMs: 30_000, headers: testIdentity("gateway").headersFor(peer) }).client;

let procs: Record<"users" | "catalog" | "inventory" | "payments", RunningWorker>;
let database: WorkerDatabase<typeof schema>;
let worker: ReturnType<typeof createOrdersWorker>;
let users: TRPCClient<UsersRouter>;
let catalog: TRPCClient<CatalogRouter>;
let inventory: TRPCClient<InventoryRouter>;
let payments: TRPCClient<PaymentsRouter>;
let orders: TRPCClient<OrdersRouter>;

beforeAll(async () => {
  const dataDir = tempDir("orders-mesh");
  const nats = await startNats();
  const [u, c, i, p] = await Promise.all((["users", "catalog", "inventory", "payments"] as const).map((name) => startWorker(name, { DATA_DIR: dataDir, NATS_URL: nats.url })));
  procs = { users: u!, catalog: c!, inventory: i!, payments: p! };
  users = peerOf<UsersRouter>("users", procs.users.url);
  catalog = peerOf<CatalogRouter>("catalog", procs.catalog.url);
  inventory = peerOf<InventoryRouter>("inventory", procs.inventory.url);
  payments = peerOf<PaymentsRouter>("payments", procs.payments.url);

  database = await openWorkerDatabase({ worker: "orders", dataDir, schema });
  // Generous peer timeouts: this machine may be busy, and these tests are about outcomes, not latency.
  const peer = { self: "orders", timeoutMs: 10_000 };
  const as = (name: string) => ({ ...peer, peer: name, headers: testIdentity("orders").headersFor(name) });
  const logger = createLogger({ worker: "orders", level: "silent" });
  worker = createOrdersWorker({
    db: database.db,
    logger,
    nats: createNatsConnection({ url: nats.url, name: "orders", logger }),
    outboxSignal: database.outboxSignal,
    identity: null,
    now: () => new Date(),
    peers: {
      users: createPeerClient<UsersRouter>({ ...as("users"), url: procs.users.url }).client,
      catalog: createPeerClient<CatalogRouter>({ ...as("catalog"), url: procs.catalog.url }).client,
      inventory: createPeerClient<InventoryRouter>({ ...as("inventory"), url: procs.inventory.url }).client,
      payments: createPeerClient<PaymentsRouter>({ ...as("payments"), url: procs.payments.url }).client,
    },
    orderWaitMs: 15_000,
    saga: { deadlineMs: 30_000, retryBaseMs: 100, retryMaxMs: 1000, attentionAfter: 3, sweepIntervalMs: 100 },
  });
  await worker.start();
  // The test calls orders over its real HTTP surface, in memory.
  orders = createPeerClient<OrdersRouter>({
    self: "test",
    peer: "orders",
    url: "http://orders.local",
    timeoutMs: 30_000,
    fetch: (input, init) => worker.app.fetch(new Request(input, init)),
  }).client;
});

afterAll(async () => {
  await worker?.stop();
  database?.close();
  await stopAll();
});

let seq = 0;
async function customerWithCredit(limitCents: number): Promise<string> {
  const user = await users.register.mutate({ email: `c${++seq}-${Date.now()}@example.com`, name: `Customer ${seq}` });
  await payments.setCreditLimit.mutate({ customerId: user.id, limitCents });
  return user.id;
}
async function productWithStock(priceCents: number, onHand: number, name = `Product ${++seq}`): Promise<string> {
  const product = await catalog.create.mutate({ sku: `SKU-${++seq}-${Date.now()}`, name, priceCents });
  await inventory.setStock.mutate({ productId: product.id, onHand });
  return product.id;
}
const orderRows = () => database.db.select().from(schema.orders).all();
/** Waits (bounded) until inventory committed and payments captured each order: what orders.order.confirmed does. */
async function settled(orderIds: string[]) {
  await waitFor(`orders ${orderIds.length} committed and captured`, async () => {
    for (const orderId of orderIds) {
      const [reservations, paid] = await Promise.all([inventory.reservations.query({ orderId }), payments.payments.query({ orderId })]);
      if (reservations.items[0]?.status !== "COMMITTED" || paid.items[0]?.status !== "CAPTURED") return undefined;
    }
    return true;
  });
}
const copyOf = (productId: string) => database.db.select().from(schema.productCopies).where(eq(schema.productCopies.id, productId)).get();

describe("orders saga across real peer processes", () => {
  it("confirms an order: stock committed, payment captured, lines snapshot name and price", async () => {
    const customerId = await customerWithCredit(100_000);
    const productId = await productWithStock(1250, 10, "Blue Mug");
    const { order, completed } = await orders.place.mutate({ customerId, items: [{ productId, quantity: 3 }] });

    expect(completed).toBe(true);
    expect(order).toMatchObject({ customerId, status: "CONFIRMED", totalCents: 3750, rejectionReason: null });
    expect(order.lines).toEqual([{ productId, name: "Blue Mug", unitPriceCents: 1250, quantity: 3 }]);
    await settled([order.id]);
    expect(await inventory.get.query({ productId })).toEqual({ productId, onHand: 7, reserved: 0, available: 7 });
    expect((await inventory.reservations.query({ orderId: order.id })).items.map((r) => r.status)).toEqual(["COMMITTED"]);
    const paid = await payments.payments.query({ orderId: order.id });
    expect(paid.items.map((p) => [p.status, p.amountCents])).toEqual([["CAPTURED", 3750]]);
    expect(await payments.getAccount.query({ customerId })).toMatchObject({ authorizedCents: 0, capturedCents: 3750, availableCents: 96_250 });

    const saga = await orders.saga.query({ orderId: order.id });
    expect(saga.state).toBe("DONE");
    const done = saga.log.filter((e) => e.outcome === "ok").map((e) => e.step);
    expect(done).toEqual(["place", "reserve", "authorize", "confirm"]);
    // Reserve ∥ authorize, then the pivot: the hold's outcome and the confirmation written once, after its calls (no "started" entries).
    expect(saga.log.map((e) => `${e.step}:${e.outcome}`)).toEqual(["place:ok", "reserve:ok", "authorize:ok", "confirm:ok"]);
    const events = database.db.select().from(schema.outbox).where(eq(schema.outbox.aggregateId, order.id)).all();
    expect(events.map((e) => e.subject)).toEqual(["orders.order.placed", "orders.order.confirmed"]);
    expect(JSON.parse(events[1]!.envelope).data).toMatchObject({ orderId: order.id, customerId, totalCents: 3750, lines: order.lines });
    expect(await orders.byCustomer.query({ customerId })).toEqual({ items: [order], nextCursor: null });
  });

  it("rejects for insufficient stock, leaving no reservation and no authorization held (the one made beside the reservation is voided)", async () => {
    const customerId = await customerWithCredit(100_000);
    const productId = await productWithStock(500, 2);
    const { order, completed } = await orders.place.mutate({ customerId, items: [{ productId, quantity: 3 }] });

    expect(completed).toBe(true);
    expect(order).toMatchObject({ status: "REJECTED", rejectionReason: "insufficient_stock" });
    expect(await inventory.get.query({ productId })).toEqual({ productId, onHand: 2, reserved: 0, available: 2 });
    expect((await inventory.reservations.query({ orderId: order.id })).items.filter((r) => r.status === "RESERVED")).toEqual([]);
    expect((await payments.payments.query({ orderId: order.id })).items.map((p) => p.status)).toEqual(["VOIDED"]);
    expect(await payments.getAccount.query({ customerId })).toMatchObject({ authorizedCents: 0, capturedCents: 0 });
  });

  it("rejects a declined payment and releases the stock it had reserved", async () => {
    const customerId = await customerWithCredit(1000);
    const productId = await productWithStock(2500, 5);
    const { order, completed } = await orders.place.mutate({ customerId, items: [{ productId, quantity: 2 }] });

    expect(completed).toBe(true);
    expect(order).toMatchObject({ status: "REJECTED", rejectionReason: "payment_declined", totalCents: 5000 });
    expect(await inventory.get.query({ productId })).toEqual({ productId, onHand: 5, reserved: 0, available: 5 });
    expect((await inventory.reservations.query({ orderId: order.id })).items.map((r) => r.status)).toEqual(["RELEASED"]);
    const held = (await payments.payments.query({ orderId: order.id })).items.filter((p) => p.status === "AUTHORIZED" || p.status === "CAPTURED");
    expect(held).toEqual([]);
    expect(await payments.getAccount.query({ customerId })).toMatchObject({ authorizedCents: 0, capturedCents: 0, availableCents: 1000 });
    const saga = await orders.saga.query({ orderId: order.id });
    expect(saga.log.filter((e) => e.outcome !== "started").map((e) => `${e.step}:${e.outcome}`)).toEqual([
      "place:ok",
      "reserve:ok",
      "authorize:declined",
      "release:ok",
      "compensate:ok",
      "reject:ok",
    ]);
  });

  it("refuses unknown customers and products with NOT_FOUND naming them, and writes no order", async () => {
    const customerId = await customerWithCredit(100_000);
    const productId = await productWithStock(100, 5);
    const before = orderRows().length;
    await expect(orders.place.mutate({ customerId: "ghost", items: [{ productId, quantity: 1 }] })).rejects.toMatchObject({
      message: "customer ghost not found",
      data: { domainCode: "NOT_FOUND", httpStatus: 404 },
    });
    await expect(
      orders.place.mutate({
        customerId,
        items: [
          { productId, quantity: 1 },
          { productId: "missing-1", quantity: 1 },
          { productId: "missing-2", quantity: 2 },
        ],
      }),
    ).rejects.toMatchObject({ message: "products missing-1, missing-2 not found", data: { domainCode: "NOT_FOUND", details: { productIds: ["missing-1", "missing-2"] } } });
    expect(orderRows().length).toBe(before);
    expect(await inventory.get.query({ productId })).toMatchObject({ reserved: 0, onHand: 5 });
  });

  it("places one order for one idempotency key sent 5 times, some concurrently", async () => {
    const customerId = await customerWithCredit(100_000);
    const productId = await productWithStock(700, 10);
    const request = { customerId, items: [{ productId, quantity: 2 }], idempotencyKey: `key-${Date.now()}` };
    const concurrent = await Promise.all([1, 2, 3].map(() => orders.place.mutate(request)));
    const later = [await orders.place.mutate(request), await orders.place.mutate(request)];
    const ids = new Set([...concurrent, ...later].map((r) => r.order.id));

    expect(ids.size).toBe(1);
    const [orderId] = [...ids];
    expect(orderRows().filter((o) => o.idempotencyKey === request.idempotencyKey)).toHaveLength(1);
    expect(later.every((r) => r.completed && r.order.status === "CONFIRMED")).toBe(true);
    expect((await inventory.reservations.query({ orderId: orderId! })).items).toHaveLength(1);
    expect((await payments.payments.query({ orderId: orderId! })).items).toHaveLength(1);
    await settled([orderId!]);
    expect(await inventory.get.query({ productId })).toMatchObject({ onHand: 8, reserved: 0 });
    expect(await payments.getAccount.query({ customerId })).toMatchObject({ capturedCents: 1400 });
    // The same key for a different order is a conflict, not a silent replay of the first.
    await expect(orders.place.mutate({ ...request, items: [{ productId, quantity: 5 }] })).rejects.toMatchObject({
      data: { domainCode: "CONFLICT" },
    });
  });

  it("keeps an order's lines as they were when a product's price changes later", async () => {
    const customerId = await customerWithCredit(100_000);
    const productId = await productWithStock(1000, 10, "Lamp");
    const first = (await orders.place.mutate({ customerId, items: [{ productId, quantity: 1 }] })).order;
    await catalog.update.mutate({ id: productId, name: "Desk Lamp", priceCents: 2000 });
    // The change applies to orders placed once orders' copy has applied catalog's event.
    await waitFor("orders' copy of the new price", async () => (copyOf(productId)?.priceCents === 2000 ? true : undefined));
    const second = (await orders.place.mutate({ customerId, items: [{ productId, quantity: 1 }] })).order;

    expect((await orders.get.query({ id: first.id })).lines).toEqual([{ productId, name: "Lamp", unitPriceCents: 1000, quantity: 1 }]);
    expect((await orders.get.query({ id: first.id })).totalCents).toBe(1000);
    expect(second.lines).toEqual([{ productId, name: "Desk Lamp", unitPriceCents: 2000, quantity: 1 }]);
  });

  it("never oversells: 60 concurrent orders for 50 in stock sell exactly 50", async () => {
    const customerId = await customerWithCredit(10_000_000);
    const productId = await productWithStock(100, 50);
    const results = await Promise.all(Array.from({ length: 60 }, () => orders.place.mutate({ customerId, items: [{ productId, quantity: 1 }] })));
    const statuses = results.map((r) => r.order.status);

    expect(statuses.filter((s) => s === "CONFIRMED")).toHaveLength(50);
    expect(results.filter((r) => r.order.rejectionReason === "insufficient_stock")).toHaveLength(10);
    await settled(results.filter((r) => r.order.status === "CONFIRMED").map((r) => r.order.id));
    expect(await inventory.get.query({ productId })).toEqual({ productId, onHand: 0, reserved: 0, available: 0 });
    expect(await payments.getAccount.query({ customerId })).toMatchObject({ capturedCents: 5000, authorizedCents: 0 });
  });

  it("with catalog stopped, fails fast with PEER_UNAVAILABLE naming catalog for a product its copy lacks, and leaves nothing behind", async () => {
    const customerId = await customerWithCredit(100_000);
    const productId = await productWithStock(100, 5);
    const uncopied = `not-copied-${Date.now()}`;
    const before = orderRows().length;
    await procs.catalog.kill("SIGTERM");
    const started = Date.now();
    await expect(
      orders.place.mutate({
        customerId,
        items: [
          { productId, quantity: 1 },
          { productId: uncopied, quantity: 1 },
        ],
      }),
    ).rejects.toMatchObject({
      data: { domainCode: "PEER_UNAVAILABLE", httpStatus: 503, details: { peer: "catalog" } },
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(orderRows().length).toBe(before);
    expect(await inventory.get.query({ productId })).toMatchObject({ reserved: 0, onHand: 5 });
  });
});
