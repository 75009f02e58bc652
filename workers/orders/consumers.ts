/**
 * The events orders consumes: the two reactions to a cancellation (inventory's stock return,
 * payments' refund), each applied once through the inbox; the second one ends the cancellation.
 * And users' registrations and catalog's product changes, which keep the copies placing checks
 * (copies.ts); their durables start at the streams' first message, so every earlier customer and
 * product reaches the copies too.
 */
import { handleEvent, type EventHandler } from "../../shared/events/consumer";
import { stockReturned } from "../inventory/events";
import { paymentRefunded } from "../payments/events";
import { userRegistered } from "../users/events";
import { productCreated, productUpdated } from "../catalog/events";
import { recordReaction } from "./cancel";
import { copyCustomer, copyProduct } from "./copies";

/** The durable consumers' names at the broker (and their keys in the inbox): placement.consumes. */
export const inventoryConsumerName = "orders-inventory";
export const paymentsConsumerName = "orders-payments";
export const usersConsumerName = "orders-users";
export const catalogConsumerName = "orders-catalog";

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

export function usersHandlers(): Record<string, EventHandler<any>> {
  return {
    [userRegistered.subject]: handleEvent(userRegistered, (tx, event, delivery) => copyCustomer(tx, { id: event.data.userId, sequence: delivery.streamSequence })),
  };
}

/** A product's event stamps the copy with its time: an older one (redelivered, replayed) leaves a newer row as it is. */
export function catalogHandlers(): Record<string, EventHandler<any>> {
  return Object.fromEntries(
    [productCreated, productUpdated].map((definition) => [
      definition.subject,
      handleEvent(definition, (tx, event, delivery) => {
        const { productId: id, name, priceCents } = event.data;
        copyProduct(tx, { id, name, priceCents, changedAt: Date.parse(event.occurredAt), sequence: delivery.streamSequence });
      }),
    ]),
  );
}
