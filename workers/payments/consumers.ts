/**
 * The events payments consumes from orders, each applied once through the inbox: a confirmed
 * order's authorization captured (the saga's forward-only step, carried by the event: delivery
 * until acked is its retry), and a cancellation's capture refunded.
 */
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import { cancellationRequested, orderConfirmed } from "../orders/events";
import { refundCapture } from "./refunds";
import { capturePayment } from "./service";
import type { PaymentsQueries } from "./queries";

/** The durable consumer's name at the broker (and its key in the inbox): placement.consumes ["orders"]. */
export const ordersConsumerName = "payments-orders";

/**
 * Captures a confirmed order's payment; a free order (total 0) was never authorized: nothing to
 * take. A capture already made is answered as done, so this holds whether the confirmed event or
 * a cancellation came first. Its transaction nests in the consumer's (a savepoint).
 */
function captureConfirmed(q: PaymentsQueries, orderId: string, amountCents: number, now: Date): void {
  if (amountCents > 0) capturePayment(q, orderId, now);
}

/**
 * A failed confirmed event is redelivered after the cancellation behind it; only a confirmed
 * order can be cancelled, so the cancellation captures first if it has not been (the late
 * confirmed then changes nothing), and refunds exactly what was captured.
 */
export function ordersHandlers(q: PaymentsQueries, now: () => Date): Record<string, EventHandler<any>> {
  return {
    [orderConfirmed.subject]: handleEvent(orderConfirmed, (_tx, event) => captureConfirmed(q, event.data.orderId, event.data.totalCents, now())),
    [cancellationRequested.subject]: handleEvent(cancellationRequested, (tx, event) => {
      captureConfirmed(q, event.data.orderId, event.data.capturedCents, now());
      refundCapture(tx, event.data, now());
    }),
  };
}
