/** The events inventory consumes: orders' cancellation requests, each returned to stock once through the inbox. */
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import { cancellationRequested } from "../orders/events";
import { returnStock } from "./returns";

/** The durable consumer's name at the broker (and its key in the inbox): placement.consumes ["orders"]. */
export const ordersConsumerName = "inventory-orders";

export function ordersHandlers(now: () => Date): Record<string, EventHandler<any>> {
  return { [cancellationRequested.subject]: handleEvent(cancellationRequested, (tx, event) => returnStock(tx, event.data.orderId, now())) };
}
