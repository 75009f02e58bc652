/** reporting's queries over its read models. */
import { asc, desc, eq, sql } from "drizzle-orm";
import type { WorkerDb } from "../../shared/db/db";
import type { EventData } from "../../shared/events/envelope";
import type { orderCancelled, orderConfirmed } from "../orders/events";
import { customerStats, projectionPositions, revenueByDay, salesByProduct } from "./schema";
import * as schema from "./schema";

import type { ReportingDb } from "./deps";
import type { CustomerReport, SalesReport } from "./contract";
export type { ReportingDb, SalesReport, CustomerReport };
export type OrderConfirmedData = EventData<typeof orderConfirmed>;
export type OrderCancelledData = EventData<typeof orderCancelled>;

export function salesReport(db: ReportingDb): SalesReport {
  const totals = db
    .select({
      orders: sql<number>`coalesce(sum(${revenueByDay.orders}), 0)`,
      units: sql<number>`coalesce(sum(${revenueByDay.units}), 0)`,
      revenueCents: sql<number>`coalesce(sum(${revenueByDay.revenueCents}), 0)`,
    })
    .from(revenueByDay)
    .get() ?? { orders: 0, units: 0, revenueCents: 0 };
  const products = db.select().from(salesByProduct).orderBy(desc(salesByProduct.revenueCents), asc(salesByProduct.productId)).all();
  return { totals, products, asOf: asOf(db) };
}

/** A customer with no confirmed order yet has zero stats, not an error: reporting may lag. */
export function customerReport(db: ReportingDb, customerId: string): CustomerReport {
  const row = db.select().from(customerStats).where(eq(customerStats.customerId, customerId)).get();
  return {
    customerId,
    orders: row?.orders ?? 0,
    spentCents: row?.spentCents ?? 0,
    firstOrderAt: row?.firstOrderAt ?? null,
    lastOrderAt: row?.lastOrderAt ?? null,
    cancelledOrders: row?.cancelledOrders ?? 0,
    refundedCents: row?.refundedCents ?? 0,
    asOf: asOf(db),
  };
}

export function dailyRevenue(db: ReportingDb) {
  return db.select().from(revenueByDay).orderBy(asc(revenueByDay.day)).all();
}

export function positions(db: ReportingDb) {
  return db.select().from(projectionPositions).orderBy(asc(projectionPositions.projection), asc(projectionPositions.stream)).all();
}

function asOf(db: ReportingDb): string | null {
  return (
    db
      .select({ at: sql<string | null>`max(${projectionPositions.lastEventAt})` })
      .from(projectionPositions)
      .get()?.at ?? null
  );
}

/** Every read-model row in a stable order: what a rebuild must reproduce exactly. */
export function readModelSnapshot(db: ReportingDb) {
  return {
    sales: db.select().from(salesByProduct).orderBy(asc(salesByProduct.productId)).all(),
    customers: db.select().from(customerStats).orderBy(asc(customerStats.customerId)).all(),
    revenueByDay: dailyRevenue(db),
  };
}
