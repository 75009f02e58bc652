/**
 * inventory's order-path statements (reserve, commit, release), prepared once per worker
 * (createInventoryWorker builds them on its DB and hands them to the procedures): Drizzle would
 * otherwise build each statement's SQL and map its rows generically on every call. Lists of
 * products go in as one JSON array (`json_each`), so one statement serves any number of lines.
 * Prepared statements of the DB run inside its transactions (one connection, synchronous).
 * Imports only the tables.
 */
import { asc, eq, sql } from "drizzle-orm";
import type { WorkerDb } from "../../shared/db/db";
import { reservationLines, reservations, stock } from "./schema";
import type * as schema from "./schema";

const p = sql.placeholder;
/** The version a stock row takes on a change (service.ts nextVersion), with the change's time as a placeholder. */
const nextVersionAt = sql`max(${stock.version} + 1, ${p("nowMs")})`;

export function prepareInventoryQueries(db: WorkerDb<typeof schema>) {
  return {
    db,
    reservation: db
      .select()
      .from(reservations)
      .where(eq(reservations.orderId, p("orderId")))
      .prepare(),
    /** Stock rows of a JSON array of product ids. */
    stockOf: db
      .select()
      .from(stock)
      .where(sql`${stock.productId} in (select value from json_each(${p("productIds")}))`)
      .prepare(),
    linesOf: db
      .select({ productId: reservationLines.productId, quantity: reservationLines.quantity })
      .from(reservationLines)
      .where(eq(reservationLines.orderId, p("orderId")))
      .orderBy(asc(reservationLines.position))
      .prepare(),
    insertReservation: db
      .insert(reservations)
      .values({ orderId: p("orderId"), status: p("status"), createdAt: p("at"), updatedAt: p("at"), failure: sql`${p("failure")}` })
      .prepare(),
    insertLine: db
      .insert(reservationLines)
      .values({ orderId: p("orderId"), position: p("position"), productId: p("productId"), quantity: p("quantity") })
      .prepare(),
    /** Moves `reserved` by `delta` and `onHand` by `onHandDelta` (reserve: +q, 0; commit: -q, -q; release: -q, 0). */
    moveStock: db
      .update(stock)
      .set({ reserved: sql`${stock.reserved} + ${p("delta")}`, onHand: sql`${stock.onHand} + ${p("onHandDelta")}`, updatedAt: sql`${p("at")}`, version: nextVersionAt })
      .where(eq(stock.productId, p("productId")))
      .prepare(),
    setStatus: db
      .update(reservations)
      .set({ status: sql`${p("status")}`, updatedAt: sql`${p("at")}` })
      .where(eq(reservations.orderId, p("orderId")))
      .prepare(),
  };
}

export type InventoryQueries = ReturnType<typeof prepareInventoryQueries>;
