/**
 * The events orders consumes: the two reactions to a cancellation (inventory's stock return,
 * payments' refund), each applied once through the inbox; the second one ends the cancellation.
 */
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import { stockReturned } from "../inventory/events";
import { paymentRefunded } from "../payments/events";
import { recordReaction } from "./cancel";

/** The durable consumers' names at the broker (and their keys in the inbox): placement.consumes. */
export const inventoryConsumerName = "orders-inventory";
export const paymentsConsumerName = "orders-payments";

export function inventoryHandlers(now: () => Date): Record<string, EventHandler<any>> {
  return {
    [stockReturned.subject]: handleEvent(stockReturned, (tx, event) => recordReaction(tx, event.data.orderId, { stockReturnedAt: now().getTime() }, now())),
  };
}

export function paymentsHandlers(now: () => Date): Record<string, EventHandler<any>> {
  return {
    [paymentRefunded.subject]: handleEvent(paymentRefunded, (tx, event) =>
      recordReaction(tx, event.data.orderId, { refundedAt: Date.parse(event.data.refundedAt), refundedCents: event.data.amountCents }, now()),
    ),
  };
}
