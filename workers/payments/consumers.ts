/** The events payments consumes: orders' cancellation requests, each refunded once through the inbox. */
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import { cancellationRequested } from "../orders/events";
import { refundCapture } from "./refunds";

/** The durable consumer's name at the broker (and its key in the inbox): placement.consumes ["orders"]. */
export const ordersConsumerName = "payments-orders";

export function ordersHandlers(now: () => Date): Record<string, EventHandler<any>> {
  return { [cancellationRequested.subject]: handleEvent(cancellationRequested, (tx, event) => refundCapture(tx, event.data, now())) };
}
