/**
 * payments' part of an order's cancellation (choreography: it reacts to orders' event, nobody
 * calls it): the capture refunded, in the consumer's transaction with its inbox row and its event.
 */
import { eq } from "drizzle-orm";
import type { WorkerTx } from "../../shared/db/db";
import { enqueueEvent } from "../../shared/events/enqueue";
import type { EventData } from "../../shared/events/envelope";
import type { cancellationRequested } from "../orders/events";
import { paymentRefunded } from "./events";
import * as schema from "./schema";
import { outbox, payments, refunds } from "./schema";

type PaymentsTx = WorkerTx<typeof schema>;
type Cancellation = EventData<typeof cancellationRequested>;

/**
 * Refunds the order's capture: one refund row equal to it, and `payments.payment.refunded`. A
 * refund already made changes nothing (the refund row is the key, beside the inbox). A capture
 * that is missing or differs from what orders says was captured cannot be refunded: it throws,
 * so the message is retried, then dead-lettered for an operator to fix and replay.
 */
export function refundCapture(tx: PaymentsTx, cancellation: Cancellation, now: Date): void {
  const { orderId, customerId, capturedCents } = cancellation;
  if (tx.select({ orderId: refunds.orderId }).from(refunds).where(eq(refunds.orderId, orderId)).get()) return;
  const refundedAt = now.toISOString();
  if (capturedCents === 0) {
    // A free order: nothing was captured, nothing to refund, but orders waits for the answer.
    enqueueEvent(tx, outbox, paymentRefunded, { orderId, customerId, amountCents: 0, refundedAt }, { aggregateId: orderId, now });
    return;
  }
  const payment = tx.select().from(payments).where(eq(payments.orderId, orderId)).get();
  if (payment?.status !== "CAPTURED") throw new Error(`cannot refund order ${orderId}: no captured payment (${payment?.status ?? "no payment"})`);
  if (payment.amountCents !== capturedCents) {
    throw new Error(`cannot refund order ${orderId}: ${payment.amountCents} cents were captured, the cancellation says ${capturedCents}`);
  }
  // The account's refunded total follows the refund row by trigger, in this transaction (schema.ts).
  tx.insert(refunds).values({ orderId, customerId: payment.customerId, amountCents: payment.amountCents, refundedAt }).run();
  enqueueEvent(tx, outbox, paymentRefunded, { orderId, customerId: payment.customerId, amountCents: payment.amountCents, refundedAt }, { aggregateId: orderId, now });
}
