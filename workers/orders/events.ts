/** The events orders publishes: its public async contract (imports only shared/ and zod). */
import { z } from "zod";
import { defineEvent } from "../../shared/events/envelope";

const orderLine = z.object({
  productId: z.string(),
  name: z.string(),
  unitPriceCents: z.number().int(),
  quantity: z.number().int(),
});

export const orderPlaced = defineEvent(
  "orders.order.placed",
  z.object({
    orderId: z.string(),
    customerId: z.string(),
    lines: z.array(orderLine),
    totalCents: z.number().int(),
    placedAt: z.iso.datetime(),
  }),
);

export const orderConfirmed = defineEvent(
  "orders.order.confirmed",
  z.object({
    orderId: z.string(),
    customerId: z.string(),
    lines: z.array(orderLine),
    totalCents: z.number().int(),
    confirmedAt: z.iso.datetime(),
  }),
);

export const orderRejected = defineEvent(
  "orders.order.rejected",
  z.object({
    orderId: z.string(),
    customerId: z.string(),
    reason: z.enum(["insufficient_stock", "payment_declined", "peer_unavailable"]),
  }),
);

export const ordersEvents = [orderPlaced, orderConfirmed, orderRejected] as const;
