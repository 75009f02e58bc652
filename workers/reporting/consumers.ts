/**
 * The events reporting consumes: orders' confirmations feed every read model, its cancellations net the refunds. Each handler runs
 * inside the consumer's inbox check, in one transaction with its effect.
 */
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import { orderCancelled, orderConfirmed } from "../orders/events";
import { applyOrderCancelled, applyOrderConfirmed } from "./projections";

/** The durable consumer's name at the broker (and its key in the inbox). */
export const ordersConsumerName = "reporting-orders";

/** The consumer records its position in each event's transaction itself (the worker gives it `consumerPositions`). */
export const ordersHandlers: Record<string, EventHandler<any>> = {
  [orderConfirmed.subject]: handleEvent(orderConfirmed, (tx, event) => applyOrderConfirmed(tx, event)),
  [orderCancelled.subject]: handleEvent(orderCancelled, (tx, event) => applyOrderCancelled(tx, event)),
};
