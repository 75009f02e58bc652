/**
 * orders dies mid-saga (SIGKILL, through the test-only preload test/support/crash-after-step.ts) and a peer
 * goes away during compensation; all five workers are real Bun processes on a real nats-server.
 * After a restart the saga finishes or compensates, and stock, reservations and authorizations
 * stay consistent. The pivot (the hold recorded) confirms the order; inventory commits and payments
 * captures when they consume orders.order.confirmed, so the tests wait for that settlement (a
 * bounded wait on the peer's state). A peer down for a moment only delays an order: its step is
 * tried again until the peer is back; payments down at the pivot captures once it is back, once.
 * Last, orders' events reach its JetStream stream through the outbox relay.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "nats";
import Database from "better-sqlite3";
import { join } from "node:path";
import { readStream } from "./fixtures/events-consumer/helpers";
import { startNats, startWorker, stopAll, tempDir, trpcMutation, trpcQuery, waitFor, freePort, type RunningNats, type RunningWorker } from "./support/processes";

/** Kills orders right after the saga step named by ORDERS_CRASH_AFTER is persisted, or just before (ORDERS_CRASH_BEFORE). */
const crashAfterStep = "./test/support/crash-after-step.ts";

let peers: Record<"users" | "catalog" | "inventory" | "payments", RunningWorker>;
let peersDir: string;
/** The mesh's bus: orders.order.confirmed reaches inventory and payments, which commit and capture on it. */
let nats: RunningNats;
let bus: string;

beforeAll(async () => {
  peersDir = tempDir("orders-crash-peers");
  nats = await startNats();
  bus = nats.url;
  const [users, catalog, inventory, payments] = await Promise.all(
    (["users", "catalog", "inventory", "payments"] as const).map((name) => startWorker(name, { DATA_DIR: peersDir, NATS_URL: bus })),
  );
  peers = { users: users!, catalog: catalog!, inventory: inventory!, payments: payments! };
});
afterAll(stopAll);

/** Calls a procedure and returns its data, failing the test with the peer's error otherwise. */
async function call(worker: RunningWorker, path: string, input: unknown, kind: "query" | "mutation" = "query") {
  const res = kind === "query" ? await trpcQuery(worker.url, path, input) : await trpcMutation(worker.url, path, input);
  if (res.status !== 200) throw new Error(`${worker.name}.${path} answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return res.body.result.data;
}

let seq = 0;
async function shopFixture(stock: number, priceCents: number, limitCents: number) {
  seq += 1;
  const user = await call(peers.users, "register", { email: `crash${seq}-${Date.now()}@example.com`, name: `Crash ${seq}` }, "mutation");
  await call(peers.payments, "setCreditLimit", { customerId: user.id, limitCents }, "mutation");
  const product = await call(peers.catalog, "create", { sku: `CRASH-${seq}-${Date.now()}`, name: `Crash product ${seq}`, priceCents }, "mutation");
  await call(peers.inventory, "setStock", { productId: product.id, onHand: stock }, "mutation");
  return { customerId: user.id as string, productId: product.id as string };
}

function ordersEnv(dataDir: string, extra: Record<string, string> = {}) {
  return {
    DATA_DIR: dataDir,
    NATS_URL: bus,
    USERS_URL: peers.users.url,
    CATALOG_URL: peers.catalog.url,
    INVENTORY_URL: peers.inventory.url,
    PAYMENTS_URL: peers.payments.url,
    SAGA_RETRY_BASE_MS: "100",
    SAGA_RETRY_MAX_MS: "400",
    SAGA_SWEEP_MS: "100",
    ...extra,
  };
}

/**
 * Places an order on an orders process that kills itself after `step` is recorded, or (`when`
 * "BEFORE") after its peers answered and before it is recorded; returns the order id.
 */
async function placeAndCrash(step: string, extra: Record<string, string>, fixture: { customerId: string; productId: string }, when: "AFTER" | "BEFORE" = "AFTER") {
  const dataDir = tempDir("orders-crash");
  const port = await freePort();
  const doomed = await startWorker("orders", ordersEnv(dataDir, { ...extra, [`ORDERS_CRASH_${when}`]: step }), { port, bunArgs: [`--preload=${crashAfterStep}`] });
  const answer = await trpcMutation(doomed.url, "place", { customerId: fixture.customerId, items: [{ productId: fixture.productId, quantity: 2 }] }).catch((error: unknown) => error);
  expect(answer).toBeInstanceOf(Error); // the connection died with the process
  await doomed.exited;
  expect(doomed.child.signalCode).toBe("SIGKILL");
  const reservations = (await call(peers.inventory, "reservations", { limit: 100 })).items as Array<{ orderId: string; lines: Array<{ productId: string }> }>;
  const mine = reservations.filter((r) => r.lines.some((l) => l.productId === fixture.productId));
  expect(mine).toHaveLength(1);
  return { dataDir, port, orderId: mine[0]!.orderId };
}

const statusesOf = async (worker: RunningWorker, path: "reservations" | "payments", orderId: string) =>
  ((await call(worker, path, { orderId })) as { items: Array<{ status: string }> }).items.map((row) => row.status);

/** Waits (bounded) until inventory committed the order's stock and payments captured it: what orders.order.confirmed does. */
async function settledPeers(orderId: string) {
  await waitFor(`order ${orderId} committed and captured`, async () => {
    const [reservations, payments] = await Promise.all([statusesOf(peers.inventory, "reservations", orderId), statusesOf(peers.payments, "payments", orderId)]);
    return reservations[0] === "COMMITTED" && payments[0] === "CAPTURED" ? true : undefined;
  });
}

async function settledOrder(orders: RunningWorker, orderId: string) {
  return waitFor(`order ${orderId} to end`, async () => {
    const order = await call(orders, "get", { id: orderId });
    return order.status === "PENDING" ? undefined : order;
  });
}

describe("orders saga recovery after a crash", () => {
  it("publishes, once restarted, the pivot of a saga killed right after its hold (reserve ∥ authorize) was recorded: inventory commits and payments captures it", async () => {
    const fixture = await shopFixture(10, 1500, 100_000);
    const { dataDir, port, orderId } = await placeAndCrash("reserve", {}, fixture);
    // Killed right after the pivot committed, before its relay published: stock held, payment authorized.
    expect(await statusesOf(peers.inventory, "reservations", orderId)).toEqual(["RESERVED"]);
    expect(await statusesOf(peers.payments, "payments", orderId)).toEqual(["AUTHORIZED"]);

    const orders = await startWorker("orders", ordersEnv(dataDir), { port });
    const order = await settledOrder(orders, orderId);
    expect(order).toMatchObject({ status: "CONFIRMED", totalCents: 3000 });
    await settledPeers(orderId);
    expect(await call(peers.inventory, "get", { productId: fixture.productId })).toEqual({ productId: fixture.productId, onHand: 8, reserved: 0, available: 8 });
    expect((await call(peers.inventory, "reservations", { orderId })).items.map((r: { status: string }) => r.status)).toEqual(["COMMITTED"]);
    expect((await call(peers.payments, "payments", { orderId })).items.map((p: { status: string; amountCents: number }) => [p.status, p.amountCents])).toEqual([["CAPTURED", 3000]]);
    expect(await call(peers.payments, "getAccount", { customerId: fixture.customerId })).toMatchObject({ authorizedCents: 0, capturedCents: 3000 });
    const saga = await call(orders, "saga", { orderId });
    expect(saga.log.filter((e: { outcome: string }) => e.outcome === "ok").map((e: { step: string }) => e.step)).toEqual(["place", "reserve", "authorize", "confirm"]);
    await orders.kill("SIGTERM");
  });

  it("finishes a saga killed after authorizing, charging once", async () => {
    const fixture = await shopFixture(10, 1500, 100_000);
    const { dataDir, port, orderId } = await placeAndCrash("authorize", {}, fixture);
    expect(await statusesOf(peers.payments, "payments", orderId)).toEqual(["AUTHORIZED"]);

    const orders = await startWorker("orders", ordersEnv(dataDir), { port });
    expect(await settledOrder(orders, orderId)).toMatchObject({ status: "CONFIRMED" });
    await settledPeers(orderId);
    expect(await call(peers.inventory, "get", { productId: fixture.productId })).toMatchObject({ onHand: 8, reserved: 0 });
    const saga = await call(orders, "saga", { orderId });
    expect(saga.log.filter((e: { step: string; outcome: string }) => e.step === "confirm")).toHaveLength(1);
    await orders.kill("SIGTERM");
  });

  it("resumes a saga killed after reserve and authorize answered but before either was recorded: re-issued with the same key, stock held once, charged once", async () => {
    const fixture = await shopFixture(10, 1500, 100_000);
    const { dataDir, port, orderId } = await placeAndCrash("reserve", {}, fixture, "BEFORE");
    // Both peers acted; orders' saga still says STARTED.
    expect((await call(peers.inventory, "reservations", { orderId })).items.map((r: { status: string }) => r.status)).toEqual(["RESERVED"]);
    expect((await call(peers.payments, "payments", { orderId })).items.map((p: { status: string }) => p.status)).toEqual(["AUTHORIZED"]);

    const orders = await startWorker("orders", ordersEnv(dataDir), { port });
    expect(await settledOrder(orders, orderId)).toMatchObject({ status: "CONFIRMED", totalCents: 3000 });
    await settledPeers(orderId);
    expect(await call(peers.inventory, "get", { productId: fixture.productId })).toEqual({ productId: fixture.productId, onHand: 8, reserved: 0, available: 8 });
    expect((await call(peers.inventory, "reservations", { orderId })).items.map((r: { status: string }) => r.status)).toEqual(["COMMITTED"]);
    expect((await call(peers.payments, "payments", { orderId })).items.map((p: { status: string; amountCents: number }) => [p.status, p.amountCents])).toEqual([["CAPTURED", 3000]]);
    expect(await call(peers.payments, "getAccount", { customerId: fixture.customerId })).toMatchObject({ authorizedCents: 0, capturedCents: 3000 });
    await orders.kill("SIGTERM");
  });

  it("compensates both holds of a saga found after its deadline with its hold unrecorded: stock released, authorization voided, order REJECTED", async () => {
    const fixture = await shopFixture(10, 1500, 100_000);
    const { dataDir, port, orderId } = await placeAndCrash("reserve", { SAGA_DEADLINE_MS: "1" }, fixture, "BEFORE");

    const orders = await startWorker("orders", ordersEnv(dataDir), { port });
    const order = await settledOrder(orders, orderId);
    expect(order).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
    expect(await call(peers.inventory, "get", { productId: fixture.productId })).toEqual({ productId: fixture.productId, onHand: 10, reserved: 0, available: 10 });
    expect((await call(peers.inventory, "reservations", { orderId })).items.map((r: { status: string }) => r.status)).toEqual(["RELEASED"]);
    expect((await call(peers.payments, "payments", { orderId })).items.map((p: { status: string }) => p.status)).toEqual(["VOIDED"]);
    expect(await call(peers.payments, "getAccount", { customerId: fixture.customerId })).toMatchObject({ authorizedCents: 0, capturedCents: 0 });
    await orders.kill("SIGTERM");
  });

  it("goes forward, never back, once its hold was recorded, even past the deadline", async () => {
    const fixture = await shopFixture(10, 1500, 100_000);
    const { dataDir, port, orderId } = await placeAndCrash("authorize", { SAGA_DEADLINE_MS: "1" }, fixture);
    expect(await statusesOf(peers.payments, "payments", orderId)).toEqual(["AUTHORIZED"]);

    const orders = await startWorker("orders", ordersEnv(dataDir), { port });
    expect(await settledOrder(orders, orderId)).toMatchObject({ status: "CONFIRMED" });
    await settledPeers(orderId);
    expect(await call(peers.inventory, "get", { productId: fixture.productId })).toMatchObject({ onHand: 8, reserved: 0 });
    expect((await call(peers.payments, "payments", { orderId })).items.map((p: { status: string }) => p.status)).toEqual(["CAPTURED"]);
    await orders.kill("SIGTERM");
  });
});

describe("a saga the previous release left in its commit/capture phase", () => {
  it.each([
    ["AUTHORIZED", "commit", false],
    ["CAPTURING", "capture", true],
  ] as const)("ends right after the upgrade from %s: confirmed and published, inventory and payments finish it once", async (state, step, committedBefore) => {
    const fixture = await shopFixture(10, 1500, 100_000);
    // Both holds answered, nothing recorded; then the saga rewritten as the previous release left it.
    const { dataDir, port, orderId } = await placeAndCrash("reserve", { SAGA_DEADLINE_MS: "1" }, fixture, "BEFORE");
    if (committedBefore) await call(peers.inventory, "commit", { orderId }, "mutation");
    const db = new Database(join(dataDir, "orders.db"));
    db.prepare("update sagas set state = ?, step = ? where order_id = ?").run(state, step, orderId);
    const log = db.prepare("insert into saga_log (order_id, step, outcome, detail, at) values (?, ?, 'ok', null, ?)");
    for (const done of committedBefore ? ["reserve", "authorize", "commit"] : ["reserve", "authorize"]) log.run(orderId, done, Date.now());
    db.close();

    const orders = await startWorker("orders", ordersEnv(dataDir), { port });
    expect(await settledOrder(orders, orderId)).toMatchObject({ status: "CONFIRMED" });
    await settledPeers(orderId);
    expect(await call(peers.inventory, "get", { productId: fixture.productId })).toMatchObject({ onHand: 8, reserved: 0 });
    expect(await call(peers.payments, "getAccount", { customerId: fixture.customerId })).toMatchObject({ authorizedCents: 0, capturedCents: 3000 });
    const saga = await call(orders, "saga", { orderId });
    expect(saga.state).toBe("DONE");
    expect(saga.log.map((e: { step: string; outcome: string }) => `${e.step} ${e.outcome}`).slice(-2)).toEqual(["pivot ok", "confirm ok"]);
    await orders.kill("SIGTERM");
  });
});

/** Starts an orders process, stops payments and places an order, which answers PENDING (its saga waits on authorize). */
async function placeWithPaymentsDown(dir: string, extra: Record<string, string>) {
  const fixture = await shopFixture(10, 1500, 100_000);
  const orders = await startWorker("orders", ordersEnv(tempDir(dir), { ORDER_WAIT_MS: "300", ...extra }));
  const paymentsPort = peers.payments.port;
  await peers.payments.kill("SIGTERM");
  const placed = await call(orders, "place", { customerId: fixture.customerId, items: [{ productId: fixture.productId, quantity: 2 }] }, "mutation");
  expect(placed).toMatchObject({ completed: false, order: { status: "PENDING" } });
  return { fixture, orders, paymentsPort, orderId: placed.order.id as string };
}

describe("a compensation that keeps failing", () => {
  it("marks the saga NEEDS_ATTENTION, lists it, and finishes it once payments is back", async () => {
    // authorize retries its unavailable peer until the saga's deadline (500 ms here), then compensates.
    const { fixture, orders, paymentsPort, orderId } = await placeWithPaymentsDown("orders-attention", { SAGA_ATTENTION_AFTER: "3", SAGA_DEADLINE_MS: "500" });
    const flagged = await waitFor("saga NEEDS_ATTENTION", async () => {
      const sagas = ((await call(orders, "sagas", { status: "NEEDS_ATTENTION" })) as { items: Array<{ orderId: string }> }).items;
      return sagas.find((s) => s.orderId === orderId);
    });
    expect(flagged).toMatchObject({ state: "NEEDS_ATTENTION", step: "void", compensations: ["void", "release"], rejectionReason: "peer_unavailable" });
    expect(flagged).toHaveProperty("lastError", expect.stringContaining("payments"));
    // Never dropped: the order waits, and compensations run in reverse order (void before release).
    expect((await call(orders, "get", { id: orderId })).status).toBe("PENDING");
    expect((await call(peers.inventory, "reservations", { orderId })).items.map((r: { status: string }) => r.status)).toEqual(["RESERVED"]);

    peers.payments = await startWorker("payments", { DATA_DIR: peersDir, NATS_URL: bus }, { port: paymentsPort });
    const order = await settledOrder(orders, orderId);
    expect(order).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
    expect(await call(peers.inventory, "get", { productId: fixture.productId })).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect((await call(peers.inventory, "reservations", { orderId })).items.map((r: { status: string }) => r.status)).toEqual(["RELEASED"]);
    expect((await call(peers.payments, "payments", { orderId })).items.filter((p: { status: string }) => p.status === "AUTHORIZED")).toEqual([]);
    expect(await call(orders, "sagas", { status: "NEEDS_ATTENTION" })).toEqual({ items: [], nextCursor: null });
    await orders.kill("SIGTERM");
  });
});

describe("a peer down for a moment", () => {
  it("keeps authorizing while payments is down, then confirms once it is back: never compensated, never flagged", async () => {
    const { orders, paymentsPort, orderId } = await placeWithPaymentsDown("orders-ride-out", { SAGA_ATTENTION_AFTER: "2" });
    // More failed tries than would flag a forward step, and still only waiting on authorize.
    const waiting = await waitFor("authorize tried again", async () => {
      const saga = await call(orders, "saga", { orderId });
      return saga.attempts > 2 ? saga : undefined;
    });
    expect(waiting).toMatchObject({ state: "AUTHORIZING", step: "authorize", compensations: [], rejectionReason: null });
    expect(waiting.lastError).toContain("payments");
    expect((await call(orders, "get", { id: orderId })).status).toBe("PENDING");

    peers.payments = await startWorker("payments", { DATA_DIR: peersDir, NATS_URL: bus }, { port: paymentsPort });
    expect(await settledOrder(orders, orderId)).toMatchObject({ status: "CONFIRMED" });
    await settledPeers(orderId);
    expect((await call(peers.payments, "payments", { orderId })).items.map((p: { status: string }) => p.status)).toEqual(["CAPTURED"]);
    expect((await call(peers.inventory, "reservations", { orderId })).items.map((r: { status: string }) => r.status)).toEqual(["COMMITTED"]);
    const saga = await call(orders, "saga", { orderId });
    const steps = saga.log.map((e: { step: string; outcome: string }) => `${e.step} ${e.outcome}`);
    expect(steps.filter((s: string) => s === "authorize failed").length).toBeGreaterThan(2);
    expect(steps.filter((s: string) => /^(void|release|compensate)/.test(s))).toEqual([]);
    await orders.kill("SIGTERM");
  });
});

describe("payments stopped at the pivot", () => {
  it("captures an order confirmed while payments is stopped once payments is back: one capture, one payments.payment.captured", async () => {
    const fixture = await shopFixture(10, 1500, 100_000);
    // orders dies right after the pivot, its orders.order.confirmed still in its outbox; payments stops meanwhile.
    const { dataDir, port, orderId } = await placeAndCrash("authorize", {}, fixture);
    const paymentsPort = peers.payments.port;
    await peers.payments.kill("SIGTERM");

    const orders = await startWorker("orders", ordersEnv(dataDir), { port });
    expect(await settledOrder(orders, orderId)).toMatchObject({ status: "CONFIRMED" });
    // The event is out: inventory commits while payments is still down.
    await waitFor("inventory committed", async () => ((await statusesOf(peers.inventory, "reservations", orderId))[0] === "COMMITTED" ? true : undefined));

    peers.payments = await startWorker("payments", { DATA_DIR: peersDir, NATS_URL: bus }, { port: paymentsPort });
    await settledPeers(orderId);
    expect((await call(peers.payments, "payments", { orderId })).items).toEqual([expect.objectContaining({ status: "CAPTURED", amountCents: 3000 })]);
    expect(await call(peers.payments, "getAccount", { customerId: fixture.customerId })).toMatchObject({ authorizedCents: 0, capturedCents: 3000 });
    await waitFor("payments outbox drained", async () => {
      const health = (await (await fetch(`${peers.payments.url}/health/ready`)).json()) as { outbox: { pending: number } };
      return health.outbox.pending === 0 ? true : undefined;
    });
    const nc = await connect({ servers: bus });
    const captured = (await readStream(nc, "PAYMENTS"))
      .map((m) => JSON.parse(new TextDecoder().decode(m.data)))
      .filter((e) => e.subject === "payments.payment.captured" && e.data.orderId === orderId);
    await nc.close();
    expect(captured).toHaveLength(1);
    await orders.kill("SIGTERM");
  });
});

describe("orders' events", () => {
  it("publishes order.placed then order.confirmed to the ORDERS stream, carrying the order's correlation id", async () => {
    const fixture = await shopFixture(10, 400, 100_000);
    const orders = await startWorker("orders", ordersEnv(tempDir("orders-events")));
    const placed = await trpcMutation(
      orders.url,
      "place",
      { customerId: fixture.customerId, items: [{ productId: fixture.productId, quantity: 1 }] },
      {
        "x-correlation-id": "corr-order-events",
      },
    );
    expect(placed.body.result.data).toMatchObject({ completed: true, order: { status: "CONFIRMED", correlationId: "corr-order-events" } });
    const orderId = placed.body.result.data.order.id as string;
    await waitFor("orders outbox drained", async () => {
      const health = (await (await fetch(`${orders.url}/health/ready`)).json()) as { outbox: { pending: number } };
      return health.outbox.pending === 0 ? true : undefined;
    });

    const nc = await connect({ servers: nats.url });
    const envelopes = (await readStream(nc, "ORDERS")).map((m) => JSON.parse(new TextDecoder().decode(m.data))).filter((e) => e.data.orderId === orderId);
    await nc.close();
    expect(envelopes.map((e) => e.subject)).toEqual(["orders.order.placed", "orders.order.confirmed"]);
    expect(envelopes.every((e) => e.correlationId === "corr-order-events" && e.data.orderId === orderId)).toBe(true);
    expect(envelopes[1].data).toMatchObject({ customerId: fixture.customerId, totalCents: 400, lines: [{ productId: fixture.productId, unitPriceCents: 400, quantity: 1 }] });
    expect(await orders.kill("SIGTERM")).toBe(0); // a clean stop: sweeper, relay, bus, DB
  });
});
