/**
 * The events inventory consumes from orders, each applied once through the inbox: a confirmed
 * order's reservation committed (the saga's forward-only step, carried by the event: delivery
 * until acked is its retry), and a cancellation's units returned to stock.
 */
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import { cancellationRequested, orderConfirmed } from "../orders/events";
import { returnStock } from "./returns";
import { commitReservation } from "./service";
import type { InventoryQueries } from "./queries";

/** The durable consumer's name at the broker (and its key in the inbox): placement.consumes ["orders"]. */
export const ordersConsumerName = "inventory-orders";

/**
 * The two may come in either order: a confirmed event that failed is redelivered after the
 * cancellation behind it. Only a confirmed order can be cancelled, so a cancellation commits
 * the reservation first if the confirmed event has not yet (commit answers a COMMITTED one as
 * done, so the late confirmed changes nothing), then returns exactly what was committed.
 * `commitReservation`'s transaction nests in the consumer's (a savepoint): one commit with the inbox row.
 */
export function ordersHandlers(q: InventoryQueries, now: () => Date): Record<string, EventHandler<any>> {
  return {
    [orderConfirmed.subject]: handleEvent(orderConfirmed, (_tx, event) => void commitReservation(q, event.data.orderId, now())),
    [cancellationRequested.subject]: handleEvent(cancellationRequested, (tx, event) => {
      commitReservation(q, event.data.orderId, now());
      returnStock(tx, event.data.orderId, now());
    }),
  };
}
