/** The events payments publishes: its public async contract (imports only shared/ and zod). */
import { z } from "zod";
import { defineEvent } from "../../shared/events/envelope";

const payment = { orderId: z.string(), customerId: z.string(), amountCents: z.number().int() };

export const creditLimitSet = defineEvent("payments.credit.limitSet", z.object({ customerId: z.string(), limitCents: z.number().int(), previousLimitCents: z.number().int() }));
export const paymentAuthorized = defineEvent("payments.payment.authorized", z.object(payment));
export const paymentDeclined = defineEvent("payments.payment.declined", z.object({ ...payment, reason: z.enum(["credit_limit_exceeded"]), availableCents: z.number().int() }));
export const paymentCaptured = defineEvent("payments.payment.captured", z.object(payment));
export const paymentVoided = defineEvent("payments.payment.voided", z.object(payment));

/** A cancelled order's capture given back (amount 0: a free order, nothing was captured). */
export const paymentRefunded = defineEvent("payments.payment.refunded", z.object({ ...payment, refundedAt: z.iso.datetime() }));

export const paymentsEvents = [creditLimitSet, paymentAuthorized, paymentDeclined, paymentCaptured, paymentVoided, paymentRefunded] as const;
