/**
 * The events reporting consumes: orders' confirmations feed every read model. Each handler runs
 * inside the consumer's inbox check, in one transaction with its effect.
 */
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import { orderConfirmed } from "../orders/events";
import { applyOrderConfirmed, recordPosition } from "./projections";

/** The durable consumer's name at the broker (and its key in the inbox). */
export const ordersConsumerName = "reporting-orders";

export function ordersHandlers(now: () => number): Record<string, EventHandler<any>> {
  return {
    [orderConfirmed.subject]: handleEvent(orderConfirmed, (tx, event, delivery) => {
      applyOrderConfirmed(tx, event);
      recordPosition(tx, delivery.stream, delivery.streamSequence, event.occurredAt, now());
    }),
  };
}
