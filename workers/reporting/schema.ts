/**
 * reporting owns read models only: every row here is derived from events and can be dropped
 * and rebuilt by replaying the streams from the start.
 */
import { sqliteTable, text, integer, primaryKey, index } from "drizzle-orm/sqlite-core";
import { consumerPositionsTable, inboxTable } from "../../shared/events/tables";

export const salesByProduct = sqliteTable(
  "sales_by_product",
  {
    productId: text("product_id").primaryKey(),
    /** Name at the time of the latest confirmed sale (orders keep the snapshot). */
    name: text("name").notNull(),
    units: integer("units").notNull(),
    revenueCents: integer("revenue_cents").notNull(),
  },
  // The sales report's order (best sellers first, ties by product id, both descending): read off this index backwards, never a sort of every product.
  (table) => [index("sales_by_product_revenue").on(table.revenueCents, table.productId)],
);

export const customerStats = sqliteTable("customer_stats", {
  customerId: text("customer_id").primaryKey(),
  orders: integer("orders").notNull(),
  spentCents: integer("spent_cents").notNull(),
  firstOrderAt: text("first_order_at").notNull(),
  lastOrderAt: text("last_order_at").notNull(),
  /** Of `orders`, those cancelled since, and what was refunded for them (`spentCents` stays what was paid). */
  cancelledOrders: integer("cancelled_orders").notNull().default(0),
  refundedCents: integer("refunded_cents").notNull().default(0),
});

export const revenueByDay = sqliteTable("revenue_by_day", {
  /** UTC day, YYYY-MM-DD: of confirmation for `orders`, `units`, of the refund for `refundedCents`. */
  day: text("day").primaryKey(),
  orders: integer("orders").notNull(),
  units: integer("units").notNull(),
  /** Net: the day's confirmed orders less the refunds made that day (an earlier day's figure stays). */
  revenueCents: integer("revenue_cents").notNull(),
  refundedCents: integer("refunded_cents").notNull().default(0),
});

/**
 * The sums of revenue_by_day's columns in one row (id 1), kept by triggers on revenue_by_day
 * (migrations/reporting/0003_sales_totals.sql) in the transaction that writes it: the sales report
 * reads its totals here, not by summing every day. Cleared with the other read models by a
 * rebuild (the triggers then count the replay again).
 */
export const salesTotals = sqliteTable("sales_totals", {
  id: integer("id").primaryKey(),
  orders: integer("orders").notNull().default(0),
  units: integer("units").notNull().default(0),
  revenueCents: integer("revenue_cents").notNull().default(0),
  refundedCents: integer("refunded_cents").notNull().default(0),
});

/**
 * How far each read model had read, per stream, before consumer_positions: no longer written (the
 * previous release still writes it while a new one rolls out); a later contract step drops it.
 */
export const projectionPositions = sqliteTable(
  "projection_positions",
  {
    projection: text("projection").notNull(),
    stream: text("stream").notNull(),
    lastSequence: integer("last_sequence").notNull(),
    lastEventAt: text("last_event_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.projection, table.stream] })],
);

/** Events already applied, so a redelivery changes nothing. */
export const inbox = inboxTable();

/** How far the consumer has applied each stream (the kit writes it with each event): the read models' position, `asOf` and lag. */
export const consumerPositions = consumerPositionsTable();

export const readModelTables = [salesByProduct, customerStats, revenueByDay, salesTotals, projectionPositions, consumerPositions] as const;
