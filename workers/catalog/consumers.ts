/**
 * The events catalog consumes: inventory's stock levels keep the local `in_stock` read model,
 * so listing and search show availability without a call to inventory (the seed's
 * InventoryEventConsumer). Every inventory event carries the absolute levels after its change,
 * but order is kept per aggregate (the order, for reservations), not per product: a redelivered,
 * replayed or republished event may bring an older level after a newer one. So a level is applied
 * only when its version is newer than the product's last applied one.
 */
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { WorkerTx } from "../../shared/db/db";
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import { reservationCommitted, reservationReleased, reservationReserved, stockAdjusted, stockReturned, type StockLevel } from "../inventory/events";
import { products } from "./schema";
import type * as schema from "./schema";

/** The durable consumer's name at the broker (and its key in the inbox). */
export const stockConsumerName = "catalog-stock";

function applyLevels(tx: WorkerTx<typeof schema>, levels: StockLevel[]): void {
  for (const level of levels) {
    const inStock = level.available > 0;
    const product = eq(products.id, level.productId);
    // A level without a version (published before versions existed, or by an inventory release
    // that does not bump them, during a rollout) cannot be ordered: it applies as it always did.
    if (level.version === undefined) {
      tx.update(products).set({ inStock }).where(product).run();
      continue;
    }
    const newer = or(isNull(products.stockVersion), lt(products.stockVersion, level.version));
    tx.update(products).set({ inStock, stockVersion: level.version }).where(and(product, newer)).run();
  }
}

export const stockHandlers: Record<string, EventHandler<any>> = Object.fromEntries(
  [stockAdjusted, reservationReserved, reservationReleased, reservationCommitted, stockReturned].map((definition) => [
    definition.subject,
    handleEvent(definition, (tx, event) => applyLevels(tx, event.data.levels)),
  ]),
);
