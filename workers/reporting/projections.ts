/**
 * The read models, built only from events. Each apply function runs inside the consumer's
 * transaction, after the inbox check, so an event counts once however often it is delivered.
 */
import { eq, sql } from "drizzle-orm";
import type { EventEnvelope } from "../../shared/events/envelope";
import type { WorkerTx } from "../../shared/db";
import type { OrderCancelledData, OrderConfirmedData } from "./service";
import { customerStats, projectionPositions, revenueByDay, salesByProduct } from "./schema";
import type * as schema from "./schema";

type ReportingTx = WorkerTx<typeof schema>;

export const projectionNames = ["sales", "customers", "revenue_by_day"] as const;

export function applyOrderConfirmed(tx: ReportingTx, event: EventEnvelope<OrderConfirmedData>): void {
  const { data } = event;
  const units = data.lines.reduce((sum, line) => sum + line.quantity, 0);

  for (const line of data.lines) {
    const revenue = line.unitPriceCents * line.quantity;
    tx.insert(salesByProduct)
      .values({ productId: line.productId, name: line.name, units: line.quantity, revenueCents: revenue })
      .onConflictDoUpdate({
        target: salesByProduct.productId,
        set: {
          name: line.name,
          units: sql`${salesByProduct.units} + ${line.quantity}`,
          revenueCents: sql`${salesByProduct.revenueCents} + ${revenue}`,
        },
      })
      .run();
  }

  tx.insert(customerStats)
    .values({ customerId: data.customerId, orders: 1, spentCents: data.totalCents, firstOrderAt: data.confirmedAt, lastOrderAt: data.confirmedAt })
    .onConflictDoUpdate({
      target: customerStats.customerId,
      set: {
        orders: sql`${customerStats.orders} + 1`,
        spentCents: sql`${customerStats.spentCents} + ${data.totalCents}`,
        firstOrderAt: sql`min(${customerStats.firstOrderAt}, ${data.confirmedAt})`,
        lastOrderAt: sql`max(${customerStats.lastOrderAt}, ${data.confirmedAt})`,
      },
    })
    .run();

  const day = data.confirmedAt.slice(0, 10);
  tx.insert(revenueByDay)
    .values({ day, orders: 1, units, revenueCents: data.totalCents })
    .onConflictDoUpdate({
      target: revenueByDay.day,
      set: {
        orders: sql`${revenueByDay.orders} + 1`,
        units: sql`${revenueByDay.units} + ${units}`,
        revenueCents: sql`${revenueByDay.revenueCents} + ${data.totalCents}`,
      },
    })
    .run();
}

/**
 * A cancellation, once orders says it ended: the refund comes off the revenue of the day it was
 * made (the confirmation day's figure stays, so past reports do not change), and the customer's
 * report counts the order as cancelled. Sales by product stay what was sold.
 */
export function applyOrderCancelled(tx: ReportingTx, event: EventEnvelope<OrderCancelledData>): void {
  const { customerId, refundedCents, refundedAt } = event.data;
  tx.insert(revenueByDay)
    .values({ day: refundedAt.slice(0, 10), orders: 0, units: 0, revenueCents: -refundedCents, refundedCents })
    .onConflictDoUpdate({
      target: revenueByDay.day,
      set: { revenueCents: sql`${revenueByDay.revenueCents} - ${refundedCents}`, refundedCents: sql`${revenueByDay.refundedCents} + ${refundedCents}` },
    })
    .run();
  tx.update(customerStats)
    .set({ cancelledOrders: sql`${customerStats.cancelledOrders} + 1`, refundedCents: sql`${customerStats.refundedCents} + ${refundedCents}` })
    .where(eq(customerStats.customerId, customerId))
    .run();
}

/** Records how far every read model has read in a stream (the JetStream stream sequence). */
export function recordPosition(tx: ReportingTx, stream: string, sequence: number, eventAt: string, now: number): void {
  for (const projection of projectionNames) {
    tx.insert(projectionPositions)
      .values({ projection, stream, lastSequence: sequence, lastEventAt: eventAt, updatedAt: now })
      .onConflictDoUpdate({
        target: [projectionPositions.projection, projectionPositions.stream],
        // Both only move forward: a redelivered or replayed older event must not move `asOf` back.
        set: { lastSequence: sql`max(${projectionPositions.lastSequence}, ${sequence})`, lastEventAt: sql`max(${projectionPositions.lastEventAt}, ${eventAt})`, updatedAt: now },
      })
      .run();
  }
}
