/**
 * The events reporting consumes: orders' confirmations feed every read model, its cancellations net the refunds. Each handler runs
 * inside the consumer's inbox check, in one transaction with its effect.
 */
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import { orderCancelled, orderConfirmed } from "../orders/events";
import { applyOrderCancelled, applyOrderConfirmed, recordPosition } from "./projections";

/** The durable consumer's name at the broker (and its key in the inbox). */
export const ordersConsumerName = "reporting-orders";

export function ordersHandlers(now: () => number): Record<string, EventHandler<any>> {
  return {
    [orderConfirmed.subject]: handleEvent(orderConfirmed, (tx, event, delivery) => {
      applyOrderConfirmed(tx, event);
      recordPosition(tx, delivery.stream, delivery.streamSequence, event.occurredAt, now());
    }),
    [orderCancelled.subject]: handleEvent(orderCancelled, (tx, event, delivery) => {
      applyOrderCancelled(tx, event);
      recordPosition(tx, delivery.stream, delivery.streamSequence, event.occurredAt, now());
    }),
  };
}
