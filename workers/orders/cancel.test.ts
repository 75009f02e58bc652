/** orders' side of the choreographed cancellation, in-process: the request (keyed, refusals by state), the two reactions, CANCEL_STUCK. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { applyOnce } from "../../shared/events/inbox";
import { stockReturned } from "../inventory/events";
import { paymentRefunded } from "../payments/events";
import { useInProcessWorker } from "../../test/support/in-process";
import { inventoryConsumerName, inventoryHandlers, paymentsConsumerName, paymentsHandlers } from "./consumers";
import type { OrdersPeers } from "./deps";
import * as schema from "./schema";
import { createOrdersWorker } from "./worker";

let clock = Date.parse("2026-01-02T10:00:00Z");
const now = () => new Date(clock);
const saga = { deadlineMs: 30_000, retryBaseMs: 100, retryMaxMs: 1000, attentionAfter: 3, sweepIntervalMs: 100 };
// No saga runs here (the orders are written as their sagas left them), so no peer is ever called.
const t = useInProcessWorker("orders", schema, (deps) => createOrdersWorker({ ...deps, peers: {} as OrdersPeers, orderWaitMs: 0, saga, cancelStuckAfterMs: 60_000 }), { now });

function order(id: string, status: schema.OrderRow["status"], totalCents = 2500) {
  const at = now().toISOString();
  t.database.db.insert(schema.orders).values({ id, customerId: "c1", status, totalCents, correlationId: "corr", createdAt: at, updatedAt: at }).run();
  t.database.db.insert(schema.orderLines).values({ orderId: id, lineNo: 0, productId: "p1", name: "P", unitPriceCents: totalCents, quantity: 1 }).run();
}
const envelope = (subject: string, data: unknown) => ({ id: randomUUID(), type: subject, subject, occurredAt: now().toISOString(), correlationId: "corr", causationId: null, data });
const delivery = { stream: "X", streamSequence: 1 };
const returned = (orderId: string) =>
  applyOnce(
    t.database.db,
    schema.inbox,
    inventoryConsumerName,
    envelope(stockReturned.subject, { orderId, lines: [], levels: [] }),
    inventoryHandlers(now)[stockReturned.subject]!,
    delivery,
  );
const refunded = (orderId: string, amountCents: number) => {
  const event = envelope(paymentRefunded.subject, { orderId, customerId: "c1", amountCents, refundedAt: now().toISOString() });
  return applyOnce(t.database.db, schema.inbox, paymentsConsumerName, event, paymentsHandlers(now)[paymentRefunded.subject]!, delivery);
};
const subjects = () =>
  t.database.db
    .select()
    .from(schema.outbox)
    .all()
    .map((row) => row.subject);
const get = async (id: string) => t.data(await t.query("get", { id }));

describe("orders cancels a confirmed order by choreography (in-process)", () => {
  it("CONFIRMED → CANCELLING with cancellationRequested carrying what the reactions need; both reactions → CANCELLED once", async () => {
    order("o1", "CONFIRMED");
    const answer = t.data(await t.mutate("cancel", { id: "o1", idempotencyKey: "k1" }));
    expect(answer).toMatchObject({ id: "o1", status: "CANCELLING" });
    const requested = JSON.parse(t.database.db.select().from(schema.outbox).all().at(-1)!.envelope);
    expect(requested).toMatchObject({ subject: "orders.order.cancellationRequested", data: { orderId: "o1", customerId: "c1", totalCents: 2500, capturedCents: 2500 } });
    expect(requested.data.lines).toEqual([{ productId: "p1", name: "P", unitPriceCents: 2500, quantity: 1 }]);

    // The same key again: the same answer, nothing written.
    expect(t.data(await t.mutate("cancel", { id: "o1", idempotencyKey: "k1" }))).toEqual(answer);
    expect(subjects()).toEqual(["orders.order.cancellationRequested"]);

    refunded("o1", 2500);
    expect(await get("o1")).toMatchObject({ status: "CANCELLING", cancellation: { refundedCents: 2500, stockReturnedAt: null } });
    returned("o1");
    const cancelled = await get("o1");
    expect(cancelled).toMatchObject({ status: "CANCELLED", cancellation: { refundedCents: 2500, stuckReason: null } });
    expect(cancelled.cancellation.cancelledAt).not.toBeNull();
    expect(subjects()).toEqual(["orders.order.cancellationRequested", "orders.order.cancelled"]);
    returned("o1");
    refunded("o1", 2500);
    expect(subjects()).toHaveLength(2);
    expect(t.data(await t.mutate("cancel", { id: "o1", idempotencyKey: "k1" }))).toMatchObject({ status: "CANCELLED" });
  });

  it("refuses PENDING (saga running), REJECTED, CANCELLING and CANCELLED by name, an unknown id 404, and a key reused for another order", async () => {
    order("pending", "PENDING");
    order("rejected", "REJECTED");
    order("o2", "CONFIRMED");
    const pending = await t.mutate("cancel", { id: "pending" });
    expect(pending.status).toBe(409);
    expect(pending.body.error.message).toMatch(/order pending is PENDING: its saga is still running/);
    expect((await t.mutate("cancel", { id: "rejected" })).body.error.message).toMatch(/order rejected is REJECTED; only a CONFIRMED order can be cancelled/);
    expect((await t.mutate("cancel", { id: "nope" })).status).toBe(404);
    await t.mutate("cancel", { id: "o2", idempotencyKey: "k2" });
    const again = await t.mutate("cancel", { id: "o2", idempotencyKey: "other" });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/order o2 is CANCELLING/);
    order("o3", "CONFIRMED");
    expect((await t.mutate("cancel", { id: "o3", idempotencyKey: "k2" })).body.error.message).toMatch(/Idempotency-Key k2 was already used for a different cancellation/);
    expect(subjects()).toEqual(["orders.order.cancellationRequested"]);
  });

  it("a cancellation still waiting past the setting shows CANCEL_STUCK naming the missing reaction; once it arrives, CANCELLED", async () => {
    order("o4", "CONFIRMED");
    await t.mutate("cancel", { id: "o4" });
    refunded("o4", 2500);
    clock += 61_000;
    const stuck = await get("o4");
    expect(stuck.status).toBe("CANCEL_STUCK");
    expect(stuck.cancellation.stuckReason).toMatch(/no inventory.stock.returned within 60000 ms/);
    expect(t.database.db.select().from(schema.orders).where(eq(schema.orders.id, "o4")).get()!.status).toBe("CANCELLING");
    returned("o4");
    expect(await get("o4")).toMatchObject({ status: "CANCELLED", cancellation: { stuckReason: null } });
  });
});

describe("stuck cancellations in orders' readiness (what `mesh status` lists)", () => {
  it("lists a cancellation open past the setting with its reason, and not before", async () => {
    order("o5", "CONFIRMED");
    await t.mutate("cancel", { id: "o5" });
    const ready = async () => (await (await t.worker.app.request("/health/ready")).json()) as { cancelStuck: { orderId: string; reason: string }[] };
    expect((await ready()).cancelStuck).toEqual([]);
    clock += 61_000;
    expect((await ready()).cancelStuck).toEqual([{ orderId: "o5", reason: expect.stringContaining("no inventory.stock.returned nor payments.payment.refunded") }]);
  });
});
