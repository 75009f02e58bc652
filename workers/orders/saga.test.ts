/**
 * Every branch of the order saga on a real orders.db (migrations applied), with fake peers: plain
 * objects standing in for the tRPC clients, recording each call and its idempotency key and
 * throwing what the real clients throw (a peer's domain error, or a peer that cannot be reached).
 * The fakes keep commit and capture so a test can show the saga never calls them any more.
 * No process is started; the clock is the test's.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TRPCClientError } from "@trpc/client";
import { PeerUnavailableError } from "../../shared/rpc/peer-client";
import { asc, eq } from "drizzle-orm";
import { openWorkerDatabase, type WorkerDatabase } from "../../shared/db/db";
import { createLogger } from "../../shared/core/logger";
import { placeOrder } from "./service";
import { createSagaEngine } from "./saga-runner";
import { hold, type SagaContext } from "./saga";
import * as schema from "./schema";
import { createOrdersStore, getOrder, loadSaga, recordSaga, type OrdersStore } from "./store";
import type { OrdersContext, OrdersPeers, SagaEngine, SagaSettings } from "./deps";

type PeerCall = "inventory.reserve" | "inventory.commit" | "inventory.release" | "payments.authorize" | "payments.capture" | "payments.void";
const answers: Record<PeerCall, unknown> = {
  "inventory.reserve": { status: "RESERVED" },
  "inventory.commit": { status: "COMMITTED" },
  "inventory.release": { status: "RELEASED" },
  "payments.authorize": { status: "AUTHORIZED" },
  "payments.capture": { status: "CAPTURED" },
  "payments.void": { status: "VOIDED" },
};

/** What the peer client throws for a peer's domain error (the error's data carries its code). */
function peerAnswered(domainCode: string, message: string) {
  return () => new TRPCClientError(message, { result: { error: { message, code: -32009, data: { domainCode, code: "CONFLICT" } } } } as never);
}
/** What it throws once its retries gave up on an unreachable peer: no answer, so no data. */
const unreachable = () => new TRPCClientError("fetch failed");

/**
 * The four peers as plain objects: calls recorded with their key; a method fails while `failing`
 * holds it, and answers what `answering` holds instead of its usual answer.
 */
function fakePeers(prices: Record<string, number>) {
  const calls: Array<{ call: PeerCall; key: string | undefined }> = [];
  const failing = new Map<PeerCall, () => Error>();
  const answering = new Map<PeerCall, unknown>();
  const method = (call: PeerCall) => ({
    mutate: async (_input: unknown, options?: { context?: { idempotencyKey?: string } }) => {
      calls.push({ call, key: options?.context?.idempotencyKey });
      const fail = failing.get(call);
      if (fail) throw fail();
      return answering.has(call) ? answering.get(call) : answers[call];
    },
  });
  const peers = {
    users: { get: { query: async ({ id }: { id: string }) => ({ id }) } },
    catalog: {
      getMany: { query: async ({ ids }: { ids: string[] }) => ({ products: ids.map((id) => ({ id, name: `product ${id}`, priceCents: prices[id] ?? 0 })), missing: [] }) },
    },
    inventory: { reserve: method("inventory.reserve"), commit: method("inventory.commit"), release: method("inventory.release") },
    payments: { authorize: method("payments.authorize"), capture: method("payments.capture"), void: method("payments.void") },
  } as unknown as OrdersPeers;
  return { peers, calls, failing, answering };
}

const settings: SagaSettings = { deadlineMs: 30_000, retryBaseMs: 100, retryMaxMs: 1000, attentionAfter: 3, sweepIntervalMs: 60_000 };

let dir: string;
let database: WorkerDatabase<typeof schema>;
let store: OrdersStore;
let clock: number;
let fake: ReturnType<typeof fakePeers>;
let engine: SagaEngine;
let context: OrdersContext;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "bunmesh-saga-"));
  database = await openWorkerDatabase({ worker: "orders", dataDir: dir, schema });
  store = createOrdersStore(database.db);
  clock = Date.parse("2026-01-01T00:00:00Z");
  fake = fakePeers({ priced: 1500, free: 0 });
  const deps = { db: database.db, identity: null, logger: createLogger({ worker: "orders", level: "silent" }), now: () => new Date(clock), peers: fake.peers, saga: settings };
  engine = createSagaEngine({ ...deps, store });
  // The engine is not given to placeOrder: each test runs the saga itself, step by step if need be.
  const idle: SagaEngine = { run: async () => {}, waitForEnd: async () => false, sweeper: engine.sweeper };
  context = { ...deps, store, sagas: idle, orderWaitMs: 0 };
});
afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Places a PENDING order (2 × the product) and returns its id; its saga has not run yet. */
async function place(productId = "priced"): Promise<string> {
  const placed = await placeOrder(context, { customerId: "c1", items: [{ productId, quantity: 2 }] });
  expect(placed.order.status).toBe("PENDING");
  return placed.order.id;
}
/** Places an order and moves the clock past its saga's deadline: an unavailable peer is then compensated at once. */
async function placePastDeadline(): Promise<string> {
  const id = await place();
  clock += settings.deadlineMs;
  return id;
}
const sagaOf = (orderId: string) => loadSaga(store, orderId)!;
const log = (orderId: string) =>
  database.db
    .select()
    .from(schema.sagaLog)
    .where(eq(schema.sagaLog.orderId, orderId))
    .orderBy(asc(schema.sagaLog.seq))
    .all()
    .map((e) => (e.detail === null ? `${e.step} ${e.outcome}` : `${e.step} ${e.outcome}: ${e.detail}`));
const events = () =>
  database.db
    .select()
    .from(schema.outbox)
    .orderBy(asc(schema.outbox.seq))
    .all()
    .map((e) => e.subject);
const calls = () => fake.calls.map((c) => c.call);
const keys = () => [...new Set(fake.calls.map((c) => c.key))];
const down = "is unavailable (unreachable)";

describe("a saga run live ends", () => {
  it("confirms an order at the pivot: reserve ∥ authorize keyed by the order id, then CONFIRMED with orders.order.confirmed; commit and capture are not calls", async () => {
    const id = await place();
    await engine.run(id);
    expect(getOrder(store, id)).toMatchObject({ status: "CONFIRMED", totalCents: 3000, rejectionReason: null });
    expect(sagaOf(id)).toMatchObject({ state: "DONE", step: null, attempts: 0 });
    expect(calls()).toEqual(["inventory.reserve", "payments.authorize"]);
    expect(keys()).toEqual([id]);
    expect(log(id)).toEqual(["place ok", "reserve ok", "authorize ok", "confirm ok"]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.confirmed"]);
  });

  it("confirms a free order without authorizing or capturing", async () => {
    const id = await place("free");
    await engine.run(id);
    expect(getOrder(store, id)).toMatchObject({ status: "CONFIRMED", totalCents: 0 });
    expect(calls()).toEqual(["inventory.reserve"]);
    expect(log(id)).toEqual(["place ok", "reserve ok", "authorize skipped", "confirm ok"]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.confirmed"]);
  });

  it("rejects an order out of stock, voiding the authorization made beside the reservation", async () => {
    fake.failing.set("inventory.reserve", peerAnswered("OUT_OF_STOCK", "not enough stock of priced"));
    const id = await place();
    await engine.run(id);
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "insufficient_stock" });
    expect(sagaOf(id)).toMatchObject({ state: "DONE", rejectionReason: "insufficient_stock", compensations: null });
    expect(calls()).toEqual(["inventory.reserve", "payments.authorize", "payments.void"]);
    expect(keys()).toEqual([id]);
    expect(log(id)).toEqual(["place ok", "reserve out_of_stock: not enough stock of priced", "authorize ok", "void ok: VOIDED", "compensate ok", "reject ok: insufficient_stock"]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.rejected"]);
  });

  it("rejects with nothing to compensate when nothing was held: a free order out of stock, or stock and payment both refused", async () => {
    fake.failing.set("inventory.reserve", peerAnswered("OUT_OF_STOCK", "not enough stock of free"));
    const free = await place("free");
    await engine.run(free);
    expect(getOrder(store, free)).toMatchObject({ status: "REJECTED", rejectionReason: "insufficient_stock" });
    expect(log(free)).toEqual(["place ok", "reserve out_of_stock: not enough stock of free", "reject ok: insufficient_stock"]);

    fake.failing.set("payments.authorize", peerAnswered("PAYMENT_DECLINED", "credit limit exceeded"));
    const priced = await place();
    await engine.run(priced);
    expect(getOrder(store, priced)).toMatchObject({ status: "REJECTED", rejectionReason: "insufficient_stock" });
    expect(calls()).toEqual(["inventory.reserve", "inventory.reserve", "payments.authorize"]);
  });

  it.each([
    ["declined while inventory is unavailable: releases", "payments.authorize", peerAnswered("PAYMENT_DECLINED", "declined"), "payment_declined", "inventory.release"],
    ["out of stock while payments is unavailable: voids", "inventory.reserve", peerAnswered("OUT_OF_STOCK", "no stock"), "insufficient_stock", "payments.void"],
  ] as const)("rejects a refusal at once, compensating the other call that may have happened: %s", async (_, refusing, refusal, reason, undo) => {
    fake.failing.set(refusing === "payments.authorize" ? "inventory.reserve" : "payments.authorize", unreachable);
    fake.failing.set(refusing, refusal);
    const id = await place();
    await engine.run(id);
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: reason });
    expect(calls()).toEqual(["inventory.reserve", "payments.authorize", undo]);
  });

  it("releases the stock of a declined payment, voids nothing, and rejects the order", async () => {
    fake.failing.set("payments.authorize", peerAnswered("PAYMENT_DECLINED", "credit limit exceeded"));
    const id = await place();
    await engine.run(id);
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "payment_declined" });
    expect(calls()).toEqual(["inventory.reserve", "payments.authorize", "inventory.release"]);
    expect(keys()).toEqual([id]);
    expect(log(id)).toEqual(["place ok", "reserve ok", "authorize declined: credit limit exceeded", "release ok: RELEASED", "compensate ok", "reject ok: payment_declined"]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.rejected"]);
  });
});

describe("a reserve or authorize whose peer is unavailable", () => {
  /** Runs the saga as the sweeper does: at its next attempt's time, resumed, until it ends or `runs` runs. */
  async function sweepUntilEnd(id: string, runs = 100) {
    const seen = new Set<string>();
    for (let run = 0; run < runs && getOrder(store, id).status === "PENDING"; run += 1) {
      clock = Math.max(clock, sagaOf(id).nextAttemptAt);
      await engine.run(id, { resumed: true });
      seen.add(sagaOf(id).state);
    }
    return seen;
  }
  const timedOut = (peer: string) => () => new PeerUnavailableError(peer, "timeout");
  const breakerOpen = (peer: string) => () => new PeerUnavailableError(peer, "circuit_open");

  it.each([
    ["reserve", "inventory.reserve", "RESERVING", unreachable],
    ["reserve", "inventory.reserve", "RESERVING", timedOut("inventory")],
    ["authorize", "payments.authorize", "AUTHORIZING", unreachable],
    ["authorize", "payments.authorize", "AUTHORIZING", breakerOpen("payments")],
  ] as const)("tries %s again with the same key while its peer is down (%#), then confirms without compensating", async (step, call, state, failure) => {
    fake.failing.set(call, failure);
    const id = await place();
    await engine.run(id);
    const saga = sagaOf(id);
    expect(saga).toMatchObject({ state, step, attempts: 1, nextAttemptAt: clock + settings.retryBaseMs, compensations: null, rejectionReason: null });
    expect(saga.lastError).toContain("is unavailable");
    expect(getOrder(store, id).status).toBe("PENDING");

    // Down for more failed attempts than flag a forward step: never NEEDS_ATTENTION, backoff doubling.
    const states = await sweepUntilEnd(id, settings.attentionAfter + 1);
    expect([...states]).toEqual([state]);
    expect(sagaOf(id)).toMatchObject({ attempts: settings.attentionAfter + 2, nextAttemptAt: clock + 1000 });
    expect(getOrder(store, id).status).toBe("PENDING");

    fake.failing.delete(call);
    await sweepUntilEnd(id);
    expect(getOrder(store, id)).toMatchObject({ status: "CONFIRMED", rejectionReason: null });
    expect(calls().filter((c) => c === call)).toHaveLength(settings.attentionAfter + 3);
    expect(calls()).not.toContain("inventory.release");
    expect(calls()).not.toContain("payments.void");
    expect(keys()).toEqual([id]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.confirmed"]);
  });

  it("gives reserve up at the saga's deadline: voids the authorization made beside it, releases, rejects peer_unavailable, never retried past it", async () => {
    fake.failing.set("inventory.reserve", unreachable);
    const id = await place();
    const { deadlineAt } = sagaOf(id);
    await engine.run(id);
    const states = await sweepUntilEnd(id);
    expect(states).not.toContain("NEEDS_ATTENTION");
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
    expect(clock).toBe(deadlineAt); // the last retry was due at the deadline, not after it
    const reserves = calls().filter((c) => c === "inventory.reserve").length;
    expect(reserves).toBeGreaterThan(5);
    // Each try asks both again (the authorization's repeats answer the first one), then both are undone.
    expect(calls()).toEqual([...Array(reserves).fill(["inventory.reserve", "payments.authorize"]).flat(), "payments.void", "inventory.release"]);
    expect(keys()).toEqual([id]);
    expect(log(id).slice(-6)).toEqual([`reserve failed: inventory ${down}`, "authorize ok", "void ok: VOIDED", "release ok: RELEASED", "compensate ok", "reject ok: peer_unavailable"]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.rejected"]);
  });

  it("gives authorize up at the saga's deadline: voids then releases, rejects peer_unavailable", async () => {
    fake.failing.set("payments.authorize", unreachable);
    const id = await place();
    await engine.run(id);
    expect(await sweepUntilEnd(id)).not.toContain("NEEDS_ATTENTION");
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
    const authorizes = calls().filter((c) => c === "payments.authorize").length;
    expect(authorizes).toBeGreaterThan(5);
    expect(calls()).toEqual(["inventory.reserve", ...Array(authorizes).fill("payments.authorize"), "payments.void", "inventory.release"]);
    expect(keys()).toEqual([id]);
    // reserve is recorded once, with the first try; the later tries ask only authorize.
    expect(log(id).slice(1, 3)).toEqual(["reserve ok", `authorize failed: payments ${down}`]);
    expect(log(id).slice(-5)).toEqual([`authorize failed: payments ${down}`, "void ok: VOIDED", "release ok: RELEASED", "compensate ok", "reject ok: peer_unavailable"]);
  });

  it("compensates a saga the sweeper reaches only after its deadline, without calling reserve or authorize again", async () => {
    fake.failing.set("inventory.reserve", unreachable);
    const id = await place();
    await engine.run(id);
    clock += settings.deadlineMs + 1;
    await engine.run(id, { resumed: true });
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
    expect(calls()).toEqual(["inventory.reserve", "payments.authorize", "payments.void", "inventory.release"]);
  });

  it("rejects out of stock at once when inventory answers after being unavailable", async () => {
    fake.failing.set("inventory.reserve", unreachable);
    const id = await place();
    await engine.run(id);
    await sweepUntilEnd(id, 1);
    fake.failing.set("inventory.reserve", peerAnswered("OUT_OF_STOCK", "not enough stock of priced"));
    await sweepUntilEnd(id, 1);
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "insufficient_stock" });
    expect(calls()).toEqual([...Array(3).fill(["inventory.reserve", "payments.authorize"]).flat(), "payments.void"]);
    expect(log(id).slice(-5)).toEqual(["reserve out_of_stock: not enough stock of priced", "authorize ok", "void ok: VOIDED", "compensate ok", "reject ok: insufficient_stock"]);
  });

  it("rejects a declined payment (releasing the stock) when payments answers after being unavailable", async () => {
    fake.failing.set("payments.authorize", unreachable);
    const id = await place();
    await engine.run(id);
    await sweepUntilEnd(id, 1);
    fake.failing.set("payments.authorize", peerAnswered("PAYMENT_DECLINED", "credit limit exceeded"));
    await sweepUntilEnd(id);
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "payment_declined" });
    expect(calls()).toEqual(["inventory.reserve", "payments.authorize", "payments.authorize", "payments.authorize", "inventory.release"]);
    expect(keys()).toEqual([id]);
  });

  it("compensates at once a failure that is neither a refusal nor an unavailable peer", async () => {
    fake.failing.set("inventory.reserve", peerAnswered("INTERNAL", "disk I/O error"));
    const id = await place();
    await engine.run(id);
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
    expect(calls()).toEqual(["inventory.reserve", "payments.authorize", "payments.void", "inventory.release"]);
  });
});

describe("a peer that cannot be reached", () => {
  it("does not hold up the confirm for commit or capture: neither is called (inventory and payments do them on orders.order.confirmed)", async () => {
    fake.failing.set("inventory.commit", unreachable);
    fake.failing.set("payments.capture", unreachable);
    const id = await place();
    await engine.run(id);
    expect(getOrder(store, id).status).toBe("CONFIRMED");
    expect(calls()).toEqual(["inventory.reserve", "payments.authorize"]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.confirmed"]);
  });

  it.each([
    ["void", "payments.void"],
    ["release", "inventory.release"],
  ] as const)("retries the %s compensation later while its peer is down, then rejects", async (step, call) => {
    fake.failing.set("payments.authorize", unreachable);
    fake.failing.set(call, unreachable);
    const id = await placePastDeadline();
    await engine.run(id);
    const peer = call.split(".")[0];
    expect(sagaOf(id)).toMatchObject({ state: "COMPENSATING", step, attempts: 1, lastError: `${peer} ${down}`, rejectionReason: "peer_unavailable" });
    expect(getOrder(store, id).status).toBe("PENDING");

    fake.failing.delete(call);
    await engine.run(id);
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
    expect(calls().slice(2)).toEqual(step === "void" ? ["payments.void", "payments.void", "inventory.release"] : ["payments.void", "inventory.release", "inventory.release"]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.rejected"]);
  });
});

describe("a saga failing again and again", () => {
  it("flags a saga NEEDS_ATTENTION after repeated failures, keeps retrying it, and finishes it", async () => {
    fake.failing.set("payments.authorize", unreachable);
    fake.failing.set("inventory.release", unreachable);
    const id = await placePastDeadline();
    for (let run = 1; run <= settings.attentionAfter; run += 1) await engine.run(id);
    expect(sagaOf(id)).toMatchObject({ state: "NEEDS_ATTENTION", step: "release", attempts: 3, nextAttemptAt: clock + 400 });
    await engine.run(id); // still failing: still flagged, and the backoff doubles
    expect(sagaOf(id)).toMatchObject({ state: "NEEDS_ATTENTION", step: "release", attempts: 4, nextAttemptAt: clock + 800 });

    fake.failing.delete("inventory.release");
    await engine.run(id);
    expect(sagaOf(id)).toMatchObject({ state: "DONE" });
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
    expect(calls().filter((c) => c === "inventory.release")).toHaveLength(5);
  });

  it("flags a compensation NEEDS_ATTENTION and finishes it, void before release", async () => {
    fake.failing.set("payments.authorize", unreachable);
    fake.failing.set("payments.void", unreachable);
    const id = await placePastDeadline();
    for (let run = 1; run <= settings.attentionAfter; run += 1) await engine.run(id);
    expect(sagaOf(id)).toMatchObject({ state: "NEEDS_ATTENTION", step: "void", compensations: ["void", "release"], attempts: 3 });
    fake.failing.clear();
    await engine.run(id);
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
    expect(calls().slice(-2)).toEqual(["payments.void", "inventory.release"]);
  });

  it.each(["commit", "capture"] as const)("confirms and publishes a saga the previous release flagged NEEDS_ATTENTION at %s, calling neither commit nor capture", async (step) => {
    const id = await place();
    recordSaga(store, sagaOf(id), { state: "NEEDS_ATTENTION", step, attempts: 3 }, { step, outcome: "failed" }, new Date(clock));
    await engine.run(id, { resumed: true });
    expect(getOrder(store, id).status).toBe("CONFIRMED");
    expect(sagaOf(id)).toMatchObject({ state: "DONE", attempts: 0, lastError: null });
    expect(calls()).toEqual([]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.confirmed"]);
  });
});

describe("a saga resumed after its deadline (found unfinished, e.g. after a crash)", () => {
  /** Puts the saga in `state` as a crash would leave it, then resumes it past its deadline. */
  async function resumeLate(id: string) {
    clock += settings.deadlineMs + 1;
    await engine.run(id, { resumed: true });
  }
  const ctx = (): SagaContext => ({ store, peers: fake.peers, logger: createLogger({ worker: "orders", level: "silent" }), now: () => new Date(clock), settings, ended: () => {} });

  it.each(["STARTED", "RESERVING", "RESERVED", "AUTHORIZING"] as const)(
    "compensates a saga resumed past its deadline in %s (its hold may have happened): void, then release, calling neither reserve nor authorize",
    async (state) => {
      const id = await place();
      // STARTED is how placing leaves it; the others are states the previous release wrote while holding.
      if (state !== "STARTED") recordSaga(store, sagaOf(id), { state, step: state === "RESERVING" ? "reserve" : "authorize" }, { step: "reserve", outcome: "ok" }, new Date(clock));
      await resumeLate(id);
      expect(calls()).toEqual(["payments.void", "inventory.release"]);
      expect(keys()).toEqual([id]);
      expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
      expect(log(id).slice(-5)).toEqual([
        `deadline passed: saga resumed after its deadline in state ${state}`,
        "void ok: VOIDED",
        "release ok: RELEASED",
        "compensate ok",
        "reject ok: peer_unavailable",
      ]);
      expect(events()).toEqual(["orders.order.placed", "orders.order.rejected"]);
    },
  );

  it("only releases a free order found past its deadline (it authorizes nothing)", async () => {
    const id = await place("free");
    await resumeLate(id);
    expect(calls()).toEqual(["inventory.release"]);
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
  });

  it("records a hold's two answers and the pivot in one write: the saga goes from STARTED to DONE, the order CONFIRMED with its event", async () => {
    const id = await place();
    expect(await hold(ctx(), sagaOf(id), getOrder(store, id))).toBe("stop");
    expect(sagaOf(id)).toMatchObject({ state: "DONE", step: null, attempts: 0 });
    expect(getOrder(store, id).status).toBe("CONFIRMED");
    expect(log(id)).toEqual(["place ok", "reserve ok", "authorize ok", "confirm ok"]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.confirmed"]);
  });

  it.each([
    ["AUTHORIZED", "commit"],
    ["COMMITTING", "commit"],
    ["CAPTURING", "capture"],
  ] as const)("confirms and publishes a saga the previous release left in %s (past its pivot), even past the deadline, calling nothing", async (state, step) => {
    const id = await place();
    recordSaga(store, sagaOf(id), { state, step }, { step: "authorize", outcome: "ok" }, new Date(clock));
    await resumeLate(id);
    expect(calls()).toEqual([]);
    expect(getOrder(store, id).status).toBe("CONFIRMED");
    expect(log(id).slice(-2)).toEqual([`pivot ok: resumed in state ${state}: commit and capture carried by orders.order.confirmed`, "confirm ok"]);
    expect(events()).toEqual(["orders.order.placed", "orders.order.confirmed"]);
  });

  it.each([
    ["STARTED", "reserve", ["inventory.reserve", "payments.authorize"]],
    ["RESERVING", "reserve", ["inventory.reserve", "payments.authorize"]],
    ["RESERVED", "authorize", ["payments.authorize"]],
    ["AUTHORIZING", "authorize", ["payments.authorize"]],
    ["AUTHORIZED", "commit", []],
    ["CAPTURING", "capture", []],
  ] as const)("re-issues, within its deadline, the calls of a saga resumed in %s whose outcome was not recorded (same key)", async (state, step, expected) => {
    const id = await place();
    if (state !== "STARTED") recordSaga(store, sagaOf(id), { state, step }, { step: "resume-test", outcome: "ok" }, new Date(clock));
    await engine.run(id, { resumed: true });
    expect(calls()).toEqual(expected);
    expect(keys()).toEqual(expected.length > 0 ? [id] : []);
    expect(getOrder(store, id).status).toBe("CONFIRMED");
    expect(log(id).filter((e) => e === "confirm ok")).toHaveLength(1);
  });
});

describe("the runner", () => {
  it("runs one saga per order at a time, and a second run of a DONE saga changes nothing", async () => {
    const id = await place();
    const first = engine.run(id);
    expect(engine.run(id)).toBe(first);
    await first;
    const before = { log: log(id), events: events(), saga: sagaOf(id) };
    await engine.run(id);
    await engine.run(id, { resumed: true });
    expect(calls()).toEqual(["inventory.reserve", "payments.authorize"]);
    expect({ log: log(id), events: events(), saga: sagaOf(id) }).toEqual(before);
  });

  it("wakes whoever waits for the order once the saga ends, and answers at once for an ended order", async () => {
    const id = await place();
    const waiting = engine.waitForEnd(id, 60_000);
    await engine.run(id);
    expect(await waiting).toBe(true);
    expect(await engine.waitForEnd(id, 60_000)).toBe(true);
  });

  it("keeps a saga whose step failed unexpectedly (not a peer's answer) where it was, for the sweeper to retry", async () => {
    fake.failing.set("payments.authorize", unreachable);
    fake.answering.set("inventory.release", undefined); // an answer without its status: a TypeError in the step
    const id = await placePastDeadline();
    await engine.run(id);
    expect(sagaOf(id)).toMatchObject({ state: "COMPENSATING", step: "release", attempts: 1, lastError: expect.stringContaining("TypeError") });
    expect(getOrder(store, id).status).toBe("PENDING");

    fake.answering.clear();
    await engine.run(id);
    expect(getOrder(store, id)).toMatchObject({ status: "REJECTED", rejectionReason: "peer_unavailable" });
  });
});

describe("placing an order with an Idempotency-Key (shared/db/idempotency.ts)", () => {
  const request = (quantity: number) => ({ customerId: "c1", items: [{ productId: "priced", quantity }], idempotencyKey: "key-1" });
  const keyRows = () => database.db.select().from(schema.idempotencyKeys).all();

  it("answers every repeat, concurrent or later, with the first order, placed once", async () => {
    const answers = await Promise.all([placeOrder(context, request(2)), placeOrder(context, request(2))]);
    const later = await placeOrder(context, request(2));
    const ids = new Set([...answers, later].map((a) => a.order.id));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect(database.db.select().from(schema.orders).all()).toMatchObject([{ id, idempotencyKey: "key-1" }]);
    expect(keyRows()).toMatchObject([{ key: "key-1", resourceId: id }]);
    expect(events()).toEqual(["orders.order.placed"]);
  });

  it("refuses the key sent with a different order (409 naming the key) and places nothing more", async () => {
    await placeOrder(context, request(2));
    await expect(placeOrder(context, request(3))).rejects.toMatchObject({ code: "CONFLICT", details: { idempotencyKey: "key-1" } });
    expect(database.db.select().from(schema.orders).all()).toHaveLength(1);
  });

  it("remembers the key of an order the previous release placed (trigger of migration 0002): never a second order", async () => {
    const at = "2026-01-01T00:00:00.000Z";
    const legacy = { customerId: "c1", status: "PENDING", totalCents: 0, correlationId: "c", createdAt: at, updatedAt: at } as const;
    database.db
      .insert(schema.orders)
      .values({ id: "old-1", ...legacy, idempotencyKey: "key-1", requestFingerprint: '{"customerId":"c1"}' })
      .run();
    expect(keyRows()).toEqual([{ key: "key-1", resourceId: "old-1", requestFingerprint: '{"customerId":"c1"}', createdAt: Date.parse(at) }]);
    await expect(placeOrder(context, request(2))).rejects.toMatchObject({ code: "CONFLICT" });
    expect(database.db.select().from(schema.orders).all()).toHaveLength(1);
  });
});
