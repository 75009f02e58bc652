/** reporting's read models follow a cancellation, in-process: the refund nets the refund day's revenue (the confirmation day's stays), the customer report counts it, once. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { applyOnce } from "../../shared/events/inbox";
import { orderCancelled, orderConfirmed } from "../orders/events";
import { useInProcessWorker } from "../../test/support/in-process";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import * as schema from "./schema";
import { createReportingWorker } from "./worker";

const envelope = (subject: string, data: unknown) => ({
  id: randomUUID(),
  type: subject,
  subject,
  occurredAt: "2026-01-03T09:00:00.000Z",
  correlationId: "corr",
  causationId: null,
  data,
});

describe("reporting nets cancellations (in-process)", () => {
  const t = useInProcessWorker("reporting", schema, (deps) => createReportingWorker(deps));
  const handlers = ordersHandlers;
  let sequence = 0;
  const apply = (event: ReturnType<typeof envelope>) =>
    applyOnce(t.database.db, schema.inbox, ordersConsumerName, event, handlers[event.subject]!, { stream: "ORDERS", streamSequence: ++sequence });

  it("subtracts the refund on its own day, keeps the confirmation day's figure and counts the cancelled order in the customer's report", async () => {
    const lines = [{ productId: "p1", name: "P", unitPriceCents: 1000, quantity: 2 }];
    apply(envelope(orderConfirmed.subject, { orderId: "o1", customerId: "c1", lines, totalCents: 2000, confirmedAt: "2026-01-01T12:00:00.000Z" }));
    apply(envelope(orderConfirmed.subject, { orderId: "o2", customerId: "c1", lines, totalCents: 2000, confirmedAt: "2026-01-03T08:00:00.000Z" }));
    const cancelled = envelope(orderCancelled.subject, {
      orderId: "o1",
      customerId: "c1",
      totalCents: 2000,
      refundedCents: 2000,
      refundedAt: "2026-01-03T09:00:00.000Z",
      cancelledAt: "2026-01-03T09:00:01.000Z",
    });
    apply(cancelled);
    expect(apply(cancelled)).toBe("duplicate");
    // Newest day first, a page at a time: the second page continues from the first's cursor.
    const first = t.data(await t.query("revenueByDay", { limit: 1 }));
    expect(first.items).toEqual([{ day: "2026-01-03", orders: 1, units: 2, revenueCents: 0, refundedCents: 2000 }]);
    expect(t.data(await t.query("revenueByDay", { limit: 1, cursor: first.nextCursor }))).toEqual({
      items: [{ day: "2026-01-01", orders: 1, units: 2, revenueCents: 2000, refundedCents: 0 }],
      nextCursor: null,
    });
    expect(t.data(await t.query("sales", {})).totals).toEqual({ orders: 2, units: 4, revenueCents: 2000 });
    expect(t.data(await t.query("customer", { customerId: "c1" }))).toMatchObject({ orders: 2, spentCents: 4000, cancelledOrders: 1, refundedCents: 2000 });
  });
});
