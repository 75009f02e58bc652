/**
 * The events inventory publishes: its public async contract (imports only shared/ and zod).
 * Each carries the stock `levels` after the change, so a consumer (catalog's inStock) keeps
 * its read model without calling back.
 */
import { z } from "zod";
import { defineEvent } from "../../shared/events/envelope";

export const stockLevelSchema = z.object({
  productId: z.string(),
  onHand: z.number().int(),
  reserved: z.number().int(),
  available: z.number().int(),
  /**
   * The stock row's version after the change (bumped on every change to it). Events are keyed by
   * order, not product, so a product's levels may arrive out of order (redelivery, replay): apply a
   * level only when its version is newer than the last one applied. Absent in events published
   * before versions existed, which may still be in the stream.
   */
  version: z.number().int().min(0).optional(),
});
export type StockLevel = z.infer<typeof stockLevelSchema>;

const levels = z.array(stockLevelSchema);
const lines = z.array(z.object({ productId: z.string(), quantity: z.number().int() }));
const reservationChange = z.object({ orderId: z.string(), lines, levels });

export const stockAdjusted = defineEvent("inventory.stock.adjusted", z.object({ productId: z.string(), previousOnHand: z.number().int(), levels }));
export const reservationReserved = defineEvent("inventory.reservation.reserved", reservationChange);
export const reservationReleased = defineEvent("inventory.reservation.released", reservationChange);
export const reservationCommitted = defineEvent("inventory.reservation.committed", reservationChange);

/** A cancelled order's committed units back on hand. */
export const stockReturned = defineEvent("inventory.stock.returned", reservationChange);

export const inventoryEvents = [stockAdjusted, reservationReserved, reservationReleased, reservationCommitted, stockReturned] as const;
