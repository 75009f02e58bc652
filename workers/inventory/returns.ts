/**
 * inventory's part of an order's cancellation (choreography: it reacts to orders' event, nobody
 * calls it): the order's committed units back on hand, in the consumer's transaction with its
 * inbox row and its event.
 */
import { eq, sql } from "drizzle-orm";
import type { WorkerTx } from "../../shared/db/db";
import { enqueueEvent } from "../../shared/events/enqueue";
import { stockReturned } from "./events";
import * as schema from "./schema";
import { outbox, reservations, stock, stockReturns } from "./schema";
import { levelsOf, linesOf, nextVersion, quantitiesOf } from "./service";

type InventoryTx = WorkerTx<typeof schema>;

/**
 * Puts the units the order's COMMITTED reservation took back on hand (its own lines, as inventory
 * recorded them), bumping each row's version, and publishes `inventory.stock.returned` with the
 * levels (catalog's inStock follows). Already returned: nothing. No committed reservation: it
 * throws, so the message is retried, then dead-lettered for an operator to fix and replay.
 */
export function returnStock(tx: InventoryTx, orderId: string, now: Date): void {
  if (tx.select({ orderId: stockReturns.orderId }).from(stockReturns).where(eq(stockReturns.orderId, orderId)).get()) return;
  const reservation = tx.select().from(reservations).where(eq(reservations.orderId, orderId)).get();
  if (reservation?.status !== "COMMITTED") throw new Error(`cannot return stock of order ${orderId}: no committed reservation (${reservation?.status ?? "no reservation"})`);
  const lines = linesOf(tx, orderId);
  const needed = quantitiesOf(lines);
  const at = now.toISOString();
  for (const [productId, quantity] of needed) {
    tx.update(stock)
      .set({ onHand: sql`${stock.onHand} + ${quantity}`, updatedAt: at, version: nextVersion(now) })
      .where(eq(stock.productId, productId))
      .run();
  }
  tx.insert(stockReturns).values({ orderId, returnedAt: at }).run();
  enqueueEvent(tx, outbox, stockReturned, { orderId, lines, levels: levelsOf(tx, [...needed.keys()]) }, { aggregateId: orderId, now });
}
