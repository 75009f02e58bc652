/**
 * The events catalog consumes: inventory's stock levels keep the local `in_stock` read model,
 * so listing and search show availability without a call to inventory (the seed's
 * InventoryEventConsumer). Every inventory event carries the levels after its change, so
 * applying the latest absolute level is enough; the relay keeps order per aggregate.
 */
import { eq } from "drizzle-orm";
import type { WorkerTx } from "../../shared/db";
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import {
  reservationCommitted,
  reservationReleased,
  reservationReserved,
  stockAdjusted,
  type StockLevel,
} from "../inventory/events";
import { products } from "./schema";
import type * as schema from "./schema";

/** The durable consumer's name at the broker (and its key in the inbox). */
export const stockConsumerName = "catalog-stock";

function applyLevels(tx: WorkerTx<typeof schema>, levels: StockLevel[]): void {
  for (const level of levels) {
    tx.update(products).set({ inStock: level.available > 0 }).where(eq(products.id, level.productId)).run();
  }
}

export const stockHandlers: Record<string, EventHandler<any>> = Object.fromEntries(
  [stockAdjusted, reservationReserved, reservationReleased, reservationCommitted].map((definition) => [
    definition.subject,
    handleEvent(definition, (tx, event) => applyLevels(tx, event.data.levels)),
  ]),
);
