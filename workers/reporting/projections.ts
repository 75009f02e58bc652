/**
 * The read models, built only from events. Each apply function runs inside the consumer's
 * transaction, after the inbox check, so an event counts once however often it is delivered.
 */
import { eq, sql } from "drizzle-orm";
import type { EventEnvelope } from "../../shared/events/envelope";
import type { WorkerTx } from "../../shared/db/db";
import { preparedQuery } from "../../shared/db/prepared";
import type { OrderCancelledData, OrderConfirmedData } from "./service";
import { customerStats, revenueByDay, salesByProduct } from "./schema";
import type * as schema from "./schema";

type ReportingTx = WorkerTx<typeof schema>;

const p = sql.placeholder;

/**
 * The confirmed order's upserts, prepared once per database (shared/db/prepared.ts): a confirmation
 * reaches reporting for every order, and Drizzle would otherwise build the three upserts' SQL each time.
 */
function confirmedQueries(tx: ReportingTx) {
  return preparedQuery(tx, salesByProduct, "orderConfirmed", () => ({
    sale: tx
      .insert(salesByProduct)
      .values({ productId: p("productId"), name: p("name"), units: p("units"), revenueCents: p("revenue") })
      .onConflictDoUpdate({
        target: salesByProduct.productId,
        set: { name: sql`${p("name")}`, units: sql`${salesByProduct.units} + ${p("units")}`, revenueCents: sql`${salesByProduct.revenueCents} + ${p("revenue")}` },
      })
      .prepare(),
    customer: tx
      .insert(customerStats)
      .values({ customerId: p("customerId"), orders: 1, spentCents: p("total"), firstOrderAt: p("at"), lastOrderAt: p("at") })
      .onConflictDoUpdate({
        target: customerStats.customerId,
        set: {
          orders: sql`${customerStats.orders} + 1`,
          spentCents: sql`${customerStats.spentCents} + ${p("total")}`,
          firstOrderAt: sql`min(${customerStats.firstOrderAt}, ${p("at")})`,
          lastOrderAt: sql`max(${customerStats.lastOrderAt}, ${p("at")})`,
        },
      })
      .prepare(),
    day: tx
      .insert(revenueByDay)
      .values({ day: p("day"), orders: 1, units: p("units"), revenueCents: p("total") })
      .onConflictDoUpdate({
        target: revenueByDay.day,
        set: { orders: sql`${revenueByDay.orders} + 1`, units: sql`${revenueByDay.units} + ${p("units")}`, revenueCents: sql`${revenueByDay.revenueCents} + ${p("total")}` },
      })
      .prepare(),
  }));
}

export function applyOrderConfirmed(tx: ReportingTx, event: EventEnvelope<OrderConfirmedData>): void {
  const { data } = event;
  const units = data.lines.reduce((sum, line) => sum + line.quantity, 0);
  const q = confirmedQueries(tx);
  for (const line of data.lines) q.sale.run({ productId: line.productId, name: line.name, units: line.quantity, revenue: line.unitPriceCents * line.quantity });
  q.customer.run({ customerId: data.customerId, total: data.totalCents, at: data.confirmedAt });
  q.day.run({ day: data.confirmedAt.slice(0, 10), units, total: data.totalCents });
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
