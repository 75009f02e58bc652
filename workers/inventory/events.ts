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
});
export type StockLevel = z.infer<typeof stockLevelSchema>;

const levels = z.array(stockLevelSchema);
const lines = z.array(z.object({ productId: z.string(), quantity: z.number().int() }));
const reservationChange = z.object({ orderId: z.string(), lines, levels });

export const stockAdjusted = defineEvent(
  "inventory.stock.adjusted",
  z.object({ productId: z.string(), previousOnHand: z.number().int(), levels }),
);
export const reservationReserved = defineEvent("inventory.reservation.reserved", reservationChange);
export const reservationReleased = defineEvent("inventory.reservation.released", reservationChange);
export const reservationCommitted = defineEvent("inventory.reservation.committed", reservationChange);

export const inventoryEvents = [stockAdjusted, reservationReserved, reservationReleased, reservationCommitted] as const;
