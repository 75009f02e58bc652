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

/**
 * The saga's pivot (the hold succeeded): inventory commits the order's reservation and payments
 * captures its authorization when they consume it, once each (nobody calls them for it).
 */
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

/**
 * A CONFIRMED order's cancellation began (choreography: inventory returns the units, payments
 * refunds the capture, each on its own): it carries all either reaction needs, so none calls back.
 */
export const cancellationRequested = defineEvent(
  "orders.order.cancellationRequested",
  z.object({
    orderId: z.string(),
    customerId: z.string(),
    lines: z.array(orderLine),
    totalCents: z.number().int(),
    /** What payments captured for the order (0 for a free order: nothing to refund). */
    capturedCents: z.number().int(),
    requestedAt: z.iso.datetime(),
  }),
);

/** Both reactions arrived: the units are back in stock and the capture refunded. */
export const orderCancelled = defineEvent(
  "orders.order.cancelled",
  z.object({
    orderId: z.string(),
    customerId: z.string(),
    totalCents: z.number().int(),
    refundedCents: z.number().int(),
    /** When payments refunded: reporting nets the refund on this day. */
    refundedAt: z.iso.datetime(),
    cancelledAt: z.iso.datetime(),
  }),
);

export const ordersEvents = [orderPlaced, orderConfirmed, orderRejected, cancellationRequested, orderCancelled] as const;
