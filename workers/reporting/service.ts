/** reporting's queries over its read models. */
import { asc, desc, eq, sql } from "drizzle-orm";
import type { WorkerDb } from "../../shared/db/db";
import type { EventData } from "../../shared/events/envelope";
import type { orderCancelled, orderConfirmed } from "../orders/events";
import { consumerPositions, customerStats, revenueByDay, salesByProduct, salesTotals } from "./schema";
import { readPositions } from "../../shared/events/positions";
import * as schema from "./schema";
import { cursorOf, keysetBefore, pageOf } from "../../shared/db/paging";

/** A page of a list: what pageInput parses to. */
interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

import type { ReportingDb } from "./deps";
import type { CustomerReport, SalesReport } from "./contract";
export type { ReportingDb, SalesReport, CustomerReport };
export type OrderConfirmedData = EventData<typeof orderConfirmed>;
export type OrderCancelledData = EventData<typeof orderCancelled>;

/** The totals from their running row; a page of the products best sellers first (ties by product id, descending), off the revenue index read backwards. */
export function salesReport(db: ReportingDb, page: PageRequest = { limit: 20 }): SalesReport {
  const row = db.select().from(salesTotals).where(eq(salesTotals.id, 1)).get();
  const totals = { orders: row?.orders ?? 0, units: row?.units ?? 0, revenueCents: row?.revenueCents ?? 0 };
  const rows = db
    .select()
    .from(salesByProduct)
    .where(keysetBefore([salesByProduct.revenueCents, salesByProduct.productId], cursorOf(page.cursor)))
    .orderBy(desc(salesByProduct.revenueCents), desc(salesByProduct.productId))
    .limit(page.limit + 1)
    .all();
  return { totals, products: pageOf(rows, page.limit, (sale) => [sale.revenueCents, sale.productId]), asOf: asOf(db) };
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

/** Revenue per day, newest day first, keyset on the day (its primary key). */
export function dailyRevenue(db: ReportingDb, page: PageRequest = { limit: 20 }) {
  const rows = db
    .select()
    .from(revenueByDay)
    .where(keysetBefore([revenueByDay.day], cursorOf(page.cursor)))
    .orderBy(desc(revenueByDay.day))
    .limit(page.limit + 1)
    .all();
  return pageOf(rows, page.limit, (day) => [day.day]);
}

/** Every day, oldest first: the whole read model, for the operators' snapshot only. */
function everyDay(db: ReportingDb) {
  return db.select().from(revenueByDay).orderBy(asc(revenueByDay.day)).all();
}

/** How far the read models have applied each stream (the consumer's positions). */
export function positions(db: ReportingDb) {
  return readPositions(db, consumerPositions);
}

/** When the latest event applied was written; null before any. */
function asOf(db: ReportingDb): string | null {
  const at = db
    .select({ at: sql<number | null>`max(${consumerPositions.lastEventAt})` })
    .from(consumerPositions)
    .get()?.at;
  return at === null || at === undefined ? null : new Date(at).toISOString();
}

/** Every read-model row in a stable order: what a rebuild must reproduce exactly. */
export function readModelSnapshot(db: ReportingDb) {
  return {
    sales: db.select().from(salesByProduct).orderBy(asc(salesByProduct.productId)).all(),
    customers: db.select().from(customerStats).orderBy(asc(customerStats.customerId)).all(),
    revenueByDay: everyDay(db),
    totals: db.select().from(salesTotals).all(),
  };
}
