/** payments' reaction to a cancellation, in-process: one refund equal to the capture, credit restored, applied once; no payment or another amount → throws (dead letters). */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { applyOnce } from "../../shared/events/inbox";
import { cancellationRequested } from "../orders/events";
import { useInProcessWorker } from "../../test/support/in-process";
import { envelopeOf } from "../../test/support/envelope";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { preparePaymentsQueries } from "./queries";
import * as schema from "./schema";
import { createPaymentsWorker } from "./worker";

const now = () => new Date("2026-01-02T10:00:00Z");

function cancellation(orderId: string, capturedCents: number) {
  const data = {
    orderId,
    customerId: "c1",
    lines: [{ productId: "p1", name: "P", unitPriceCents: capturedCents, quantity: 1 }],
    totalCents: capturedCents,
    capturedCents,
    requestedAt: now().toISOString(),
  };
  return envelopeOf(cancellationRequested, data, now());
}

describe("payments refunds a cancelled order (in-process)", () => {
  const t = useInProcessWorker("payments", schema, (deps) => createPaymentsWorker(deps), { now });
  const handler = () => ordersHandlers(preparePaymentsQueries(t.database.db), now)[cancellationRequested.subject]!;
  const apply = (event: ReturnType<typeof cancellation>) => applyOnce(t.database.db, schema.inbox, ordersConsumerName, event, handler(), { stream: "ORDERS", streamSequence: 1 });
  const account = async () => t.data(await t.query("getAccount", { customerId: "c1" }));
  const refunds = () => t.database.db.select().from(schema.refunds).all();
  const events = () =>
    t.database.db
      .select()
      .from(schema.outbox)
      .all()
      .map((row) => JSON.parse(row.envelope));

  async function captured(orderId: string, amountCents: number) {
    await t.mutate("authorize", { orderId, customerId: "c1", amountCents });
    await t.mutate("capture", { orderId });
  }

  it("refunds the capture once, restores the credit and publishes payments.payment.refunded", async () => {
    await t.mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 });
    await captured("o1", 3000);
    expect(await account()).toMatchObject({ capturedCents: 3000, availableCents: 7000 });
    const event = cancellation("o1", 3000);
    expect(apply(event)).toBe("handled");
    expect(refunds()).toEqual([{ orderId: "o1", customerId: "c1", amountCents: 3000, refundedAt: now().toISOString() }]);
    expect(await account()).toMatchObject({ capturedCents: 0, availableCents: 10_000 });
    expect(events().at(-1)).toMatchObject({ subject: "payments.payment.refunded", data: { orderId: "o1", customerId: "c1", amountCents: 3000 } });
    const outboxBefore = events().length;
    expect(apply(event)).toBe("duplicate");
    // The same request under another event id (republished): the refund row is the key too.
    expect(apply({ ...event, id: randomUUID() })).toBe("handled");
    expect(refunds()).toHaveLength(1);
    expect(events()).toHaveLength(outboxBefore);
    expect(await account()).toMatchObject({ availableCents: 10_000 });
  });

  it("a free order refunds nothing but still answers with a 0-cent refunded event", async () => {
    apply(cancellation("free", 0));
    expect(refunds()).toEqual([]);
    expect(events().at(-1)).toMatchObject({ subject: "payments.payment.refunded", data: { orderId: "free", amountCents: 0 } });
  });

  it("without a payment (or with another amount) it throws and leaves nothing, so the message is retried then dead-lettered", async () => {
    await t.mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 });
    expect(() => apply(cancellation("ghost", 500))).toThrow(/payment for order ghost not found/);
    await captured("o2", 700);
    expect(() => apply(cancellation("o2", 900))).toThrow(/700 cents were captured, the cancellation says 900/);
    expect(refunds()).toEqual([]);
    expect(t.database.db.select().from(schema.inbox).all()).toEqual([]);
    expect(events().map((e) => e.subject)).not.toContain("payments.payment.refunded");
  });
});
