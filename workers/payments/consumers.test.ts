/**
 * payments' forward-only step carried by orders' event, in-process: a confirmed order's
 * authorization captured once (a redelivery or a republish changes nothing; a free order takes
 * nothing), and a cancellation that overtakes the confirmed event captures then refunds, after
 * which the late confirmed captures nothing.
 */
import { describe, expect, it } from "vitest";
import { applyOnce } from "../../shared/events/inbox";
import { cancellationRequested, orderConfirmed } from "../orders/events";
import { useInProcessWorker } from "../../test/support/in-process";
import { envelopeOf } from "../../test/support/envelope";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { preparePaymentsQueries } from "./queries";
import * as schema from "./schema";
import { createPaymentsWorker } from "./worker";

const now = () => new Date("2026-01-02T10:00:00Z");
const linesOf = (cents: number) => [{ productId: "p1", name: "P", unitPriceCents: cents, quantity: 1 }];
const confirmed = (orderId: string, totalCents: number) =>
  envelopeOf(orderConfirmed, { orderId, customerId: "c1", lines: linesOf(totalCents), totalCents, confirmedAt: now().toISOString() }, now());
const cancellation = (orderId: string, cents: number) =>
  envelopeOf(cancellationRequested, { orderId, customerId: "c1", lines: linesOf(cents), totalCents: cents, capturedCents: cents, requestedAt: now().toISOString() }, now());

describe("payments captures a confirmed order from orders.order.confirmed (in-process)", () => {
  const t = useInProcessWorker("payments", schema, (deps) => createPaymentsWorker(deps), { now });
  const apply = (event: { subject: string; id: string }) => {
    const handler = ordersHandlers(preparePaymentsQueries(t.database.db), now)[event.subject]!;
    return applyOnce(t.database.db, schema.inbox, ordersConsumerName, event as never, handler, { stream: "ORDERS", streamSequence: 1 });
  };
  const statusOf = async (orderId: string) => t.data(await t.query("payments", { orderId })).items[0]?.status;
  const subjects = () =>
    t.database.db
      .select()
      .from(schema.outbox)
      .all()
      .map((row) => JSON.parse(row.envelope).subject as string);
  const account = async () => t.data(await t.query("getAccount", { customerId: "c1" }));

  it("captures the authorization once: a redelivery is a duplicate, a republished event under a new id changes nothing", async () => {
    await t.mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 });
    await t.mutate("authorize", { orderId: "o1", customerId: "c1", amountCents: 3000 });
    const event = confirmed("o1", 3000);
    expect(apply(event)).toBe("handled");
    expect(await statusOf("o1")).toBe("CAPTURED");
    expect(apply(event)).toBe("duplicate");
    expect(apply(confirmed("o1", 3000))).toBe("handled");
    expect(subjects().filter((s) => s === "payments.payment.captured")).toHaveLength(1);
    expect(await account()).toMatchObject({ authorizedCents: 0, capturedCents: 3000, availableCents: 7000 });
  });

  it("a free order has nothing to capture; an unknown payment throws and leaves nothing (retried, then dead-lettered)", async () => {
    expect(apply(confirmed("free", 0))).toBe("handled");
    expect(await statusOf("free")).toBeUndefined();
    expect(() => apply(confirmed("ghost", 500))).toThrow(/payment for order ghost not found/);
    expect(t.database.db.select().from(schema.inbox).all()).toHaveLength(1);
  });

  it("a cancellation seen before the confirmed event captures then refunds; the late confirmed captures nothing", async () => {
    await t.mutate("setCreditLimit", { customerId: "c1", limitCents: 10_000 });
    await t.mutate("authorize", { orderId: "o2", customerId: "c1", amountCents: 500 });
    expect(apply(cancellation("o2", 500))).toBe("handled");
    expect(await statusOf("o2")).toBe("CAPTURED");
    expect(apply(confirmed("o2", 500))).toBe("handled");
    expect(subjects()).toEqual(["payments.credit.limitSet", "payments.payment.authorized", "payments.payment.captured", "payments.payment.refunded"]);
    expect(t.database.db.select().from(schema.refunds).all()).toHaveLength(1);
    expect(await account()).toMatchObject({ authorizedCents: 0, capturedCents: 0, availableCents: 10_000 });
  });
});
