/**
 * inventory owns the stock levels per product and the reservations orders hold against them.
 * The CHECK constraints are the last line against overselling: whatever the service logic does,
 * SQLite refuses a row with negative stock or more reserved than on hand.
 */
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, primaryKey, check } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { inboxTable, outboxTable } from "../../shared/events/tables";
import { pageInput } from "../../shared/db/paging";

export const stock = sqliteTable(
  "stock",
  {
    productId: text("product_id").primaryKey(),
    onHand: integer("on_hand").notNull().default(0),
    reserved: integer("reserved").notNull().default(0),
    updatedAt: text("updated_at").notNull(),
    /**
     * Rises on every change to the row (service.ts: nextVersion) and rides in the events' levels:
     * the events are keyed by order, so a product's levels may reach a consumer out of order, and
     * this says which is newer.
     */
    version: integer("version").notNull().default(0),
  },
  (table) => [
    check("stock_on_hand_not_negative", sql`${table.onHand} >= 0`),
    check("stock_reserved_not_negative", sql`${table.reserved} >= 0`),
    check("stock_reserved_within_on_hand", sql`${table.reserved} <= ${table.onHand}`),
  ],
);

export const reservationStatuses = ["RESERVED", "RELEASED", "COMMITTED", "REJECTED"] as const;
export type ReservationStatus = (typeof reservationStatuses)[number];

/** Why a reservation was rejected: the same details a repeat of the request gets back. */
export interface ReservationFailure {
  productId: string;
  requested: number;
  available: number;
}

export const reservations = sqliteTable(
  "reservations",
  {
    orderId: text("order_id").primaryKey(),
    status: text("status", { enum: reservationStatuses }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    failure: text("failure", { mode: "json" }).$type<ReservationFailure>(),
  },
  (table) => [
    index("reservations_created").on(table.createdAt, table.orderId),
    check("reservations_status_known", sql`${table.status} in ('RESERVED', 'RELEASED', 'COMMITTED', 'REJECTED')`),
  ],
);

/** The lines as the order sent them; `position` keeps their order (a product may appear twice). */
export const reservationLines = sqliteTable(
  "reservation_lines",
  {
    orderId: text("order_id")
      .notNull()
      .references(() => reservations.orderId),
    position: integer("position").notNull(),
    productId: text("product_id").notNull(),
    quantity: integer("quantity").notNull(),
  },
  (table) => [primaryKey({ columns: [table.orderId, table.position] }), check("reservation_lines_quantity_positive", sql`${table.quantity} >= 1`)],
);

/**
 * The cancelled orders whose committed units went back on hand: one row per order, so the units
 * return once (the reservation itself stays COMMITTED: its CHECK constraint knows no other state).
 */
export const stockReturns = sqliteTable("stock_returns", {
  orderId: text("order_id")
    .primaryKey()
    .references(() => reservations.orderId),
  returnedAt: text("returned_at").notNull(),
});

export type StockRow = typeof stock.$inferSelect;
export type ReservationRow = typeof reservations.$inferSelect;

const productId = z.string().min(1).max(64);
const orderId = z.string().min(1).max(64);
const quantity = z.number().int().min(1).max(1_000_000_000);

export const getManyStockInput = z.strictObject({ productIds: z.array(productId).min(1).max(100) });
export const reserveInput = z.strictObject({
  orderId,
  lines: z.array(z.strictObject({ productId, quantity })).min(1).max(100),
});
export const orderIdInput = z.strictObject({ orderId });
/** Reservations, newest first, a page at a time; one order's with `orderId`. */
export const reservationsInput = z.strictObject({ orderId: orderId.optional(), ...pageInput });

/** Setting and reading a product's stock are part of inventory's call contract (contract.ts). */
export type { SetStockInput } from "./contract";
export type ReserveInput = z.infer<typeof reserveInput>;
export type ReservationLine = ReserveInput["lines"][number];

/** Events waiting for the relay; written in the same transaction as the change. */
export const outbox = outboxTable();
/** Events already applied (orders' cancellations), so a redelivery returns nothing twice. */
export const inbox = inboxTable();
