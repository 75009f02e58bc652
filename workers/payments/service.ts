/**
 * payments' domain logic: credit limits and each order's payment against them. Functions of
 * (db, input). Every change runs in one immediate transaction (two authorizations never both
 * see the same available credit) and enqueues its event in it; the account's running totals
 * follow each payment row's insert and status change in that same transaction, by trigger
 * (schema.ts, migrations/payments/0002_running_totals.sql).
 */
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { cursorOf, keysetBefore, pageOf, type Page } from "../../shared/db/paging";
import { DomainError } from "../../shared/core/errors";
import type { WorkerDb, WorkerTx } from "../../shared/db/db";
import { enqueueEvent } from "../../shared/events/enqueue";
import * as schema from "./schema";
import { accounts, earlyVoids, outbox, payments, refunds } from "./schema";
import type { AuthorizeInput, DeclineReason, PaymentRow, PaymentStatus, SetCreditLimitInput } from "./schema";
import { creditLimitSet, paymentAuthorized, paymentCaptured, paymentDeclined, paymentVoided } from "./events";

import type { Account } from "./contract";
import type { PaymentsDb } from "./deps";
import type { PaymentsQueries } from "./queries";
export type { PaymentsDb };
type PaymentsTx = WorkerTx<typeof schema>;

export type { Account };
export interface Payment {
  orderId: string;
  customerId: string;
  amountCents: number;
  status: PaymentStatus;
  createdAt: string;
  updatedAt: string;
}
export type Refund = typeof refunds.$inferSelect;
interface Decline {
  reason: DeclineReason;
  availableCents: number;
}

const immediate = { behavior: "immediate" } as const;

/** The account as answered: one key lookup of its row and running totals (schema.ts); no row is limit 0 and no history. */
function accountOf(q: PaymentsQueries, customerId: string): Account {
  const row = q.account.get({ customerId });
  const limitCents = row?.limitCents ?? 0;
  const authorizedCents = row?.authorizedCents ?? 0;
  // Captured net of refunds: a cancelled order's capture, refunded, uses no credit any more.
  const capturedCents = (row?.capturedCents ?? 0) - (row?.refundedCents ?? 0);
  // A limit lowered below what is already in use is allowed (the authorizations stand); the
  // account then has nothing available, shown as 0 rather than a negative figure.
  const availableCents = Math.max(0, limitCents - authorizedCents - capturedCents);
  return { customerId, limitCents, authorizedCents, capturedCents, availableCents };
}

export function getAccount(q: PaymentsQueries, customerId: string): Account {
  return accountOf(q, customerId);
}

/** Sets the limit. Lowering it below what is in use is allowed: new authorizations then decline. */
export function setCreditLimit(q: PaymentsQueries, input: SetCreditLimitInput, now: Date): Account {
  return q.db.transaction((tx) => {
    const before = tx.select().from(accounts).where(eq(accounts.customerId, input.customerId)).get();
    if (before?.limitCents === input.limitCents) return accountOf(q, input.customerId);
    const updatedAt = now.toISOString();
    tx.insert(accounts)
      .values({ customerId: input.customerId, limitCents: input.limitCents, updatedAt })
      .onConflictDoUpdate({ target: accounts.customerId, set: { limitCents: input.limitCents, updatedAt } })
      .run();
    const data = { customerId: input.customerId, limitCents: input.limitCents, previousLimitCents: before?.limitCents ?? 0 };
    enqueueEvent(tx, outbox, creditLimitSet, data, { aggregateId: input.customerId, now });
    return accountOf(q, input.customerId);
  }, immediate);
}

function voidedEarly(q: PaymentsQueries, orderId: string): boolean {
  return q.earlyVoid.get({ orderId }) !== undefined;
}

function declined(orderId: string, decline: Decline): DomainError {
  return new DomainError("PAYMENT_DECLINED", `payment for order ${orderId} declined: credit limit exceeded (${decline.availableCents} cents available)`, { ...decline });
}

function conflict(orderId: string, what: string): DomainError {
  return new DomainError("CONFLICT", `payment for order ${orderId} ${what}`, { orderId });
}

type AuthorizeOutcome = { authorized: { orderId: string; status: "AUTHORIZED"; amountCents: number } } | { declined: Decline };

/**
 * Holds `amountCents` of the customer's credit for the order, or declines (recorded, so a repeat
 * gets the same decline). Idempotent by orderId: a repeat answers as the first call did (its
 * amount is not compared: the order id is the key).
 */
export function authorizePayment(q: PaymentsQueries, input: AuthorizeInput, now: Date) {
  const outcome = q.db.transaction((tx): AuthorizeOutcome => {
    const existing = q.payment.get({ orderId: input.orderId });
    if (existing?.status === "DECLINED") return { declined: { reason: existing.declineReason!, availableCents: existing.declinedAvailableCents ?? 0 } };
    if (existing?.status === "VOIDED") throw conflict(input.orderId, "was voided; it cannot be authorized again");
    if (existing) return { authorized: { orderId: existing.orderId, status: "AUTHORIZED", amountCents: existing.amountCents } };
    if (voidedEarly(q, input.orderId)) throw conflict(input.orderId, "was voided before it was authorized; it cannot be authorized now");

    const { availableCents } = accountOf(q, input.customerId);
    const at = now.toISOString();
    const payment = { orderId: input.orderId, customerId: input.customerId, amountCents: input.amountCents };
    if (input.amountCents > availableCents) {
      const decline: Decline = { reason: "credit_limit_exceeded", availableCents };
      q.insertPayment.run({ ...payment, status: "DECLINED", declineReason: decline.reason, declinedAvailableCents: availableCents, at });
      enqueueEvent(tx, outbox, paymentDeclined, { ...payment, ...decline }, { aggregateId: input.orderId, now });
      return { declined: decline };
    }
    q.insertPayment.run({ ...payment, status: "AUTHORIZED", declineReason: null, declinedAvailableCents: null, at });
    enqueueEvent(tx, outbox, paymentAuthorized, payment, { aggregateId: input.orderId, now });
    return { authorized: { orderId: input.orderId, status: "AUTHORIZED", amountCents: input.amountCents } };
  }, immediate);
  if ("declined" in outcome) throw declined(input.orderId, outcome.declined);
  return outcome.authorized;
}

function moveTo(q: PaymentsQueries, tx: PaymentsTx, row: PaymentRow, status: "CAPTURED" | "VOIDED", now: Date): void {
  q.setStatus.run({ orderId: row.orderId, status, at: now.toISOString() });
  const event = status === "CAPTURED" ? paymentCaptured : paymentVoided;
  enqueueEvent(tx, outbox, event, { orderId: row.orderId, customerId: row.customerId, amountCents: row.amountCents }, { aggregateId: row.orderId, now });
}

/** Takes the authorized amount. A repeat answers the same. */
export function capturePayment(q: PaymentsQueries, orderId: string, now: Date) {
  return q.db.transaction((tx) => {
    const row = q.payment.get({ orderId });
    if (!row) {
      if (voidedEarly(q, orderId)) throw conflict(orderId, "was voided; it cannot be captured");
      throw new DomainError("NOT_FOUND", `payment for order ${orderId} not found`, { orderId });
    }
    if (row.status === "VOIDED") throw conflict(orderId, "was voided; it cannot be captured");
    if (row.status === "DECLINED") throw conflict(orderId, "was declined; it cannot be captured");
    if (row.status === "AUTHORIZED") moveTo(q, tx, row, "CAPTURED", now);
    return { orderId, status: "CAPTURED" as const, amountCents: row.amountCents };
  }, immediate);
}

/**
 * Gives the held credit back. Never authorized (or declined) → NONE, a success: compensation
 * may run before the authorize arrived, and that is remembered so a late authorize is refused.
 */
export function voidPayment(q: PaymentsQueries, orderId: string, now: Date): { orderId: string; status: "VOIDED" | "NONE" } {
  return q.db.transaction((tx) => {
    const row = q.payment.get({ orderId });
    if (!row) {
      q.insertEarlyVoid.run({ orderId, at: now.toISOString() });
      return { orderId, status: "NONE" as const };
    }
    if (row.status === "DECLINED") return { orderId, status: "NONE" as const };
    if (row.status === "CAPTURED") throw conflict(orderId, "is captured; it cannot be voided");
    if (row.status === "AUTHORIZED") moveTo(q, tx, row, "VOIDED", now);
    return { orderId, status: "VOIDED" as const };
  }, immediate);
}

/** Payments in creation order, filtered by order and/or customer. */
const paymentColumns = {
  orderId: payments.orderId,
  customerId: payments.customerId,
  amountCents: payments.amountCents,
  status: payments.status,
  createdAt: payments.createdAt,
  updatedAt: payments.updatedAt,
};

/** A page of payments, newest first, of one order or one customer (index payments_customer_created) or of all (payments_created). */
export function listPayments(db: PaymentsDb, filter: { orderId?: string | undefined; customerId?: string | undefined; limit: number; cursor?: string | undefined }): Page<Payment> {
  const rows = db
    .select(paymentColumns)
    .from(payments)
    .where(
      and(
        filter.orderId ? eq(payments.orderId, filter.orderId) : undefined,
        filter.customerId ? eq(payments.customerId, filter.customerId) : undefined,
        keysetBefore([payments.createdAt, payments.orderId], cursorOf(filter.cursor)),
      ),
    )
    .orderBy(desc(payments.createdAt), desc(payments.orderId))
    .limit(filter.limit + 1)
    .all();
  return pageOf(rows, filter.limit, (row) => [row.createdAt, row.orderId]);
}

/** Everything payments owns, read in one transaction (one snapshot): for the mesh's invariant checker. */
export function auditPayments(db: PaymentsDb): { accounts: { customerId: string; limitCents: number }[]; payments: Payment[]; refunds: Refund[] } {
  return db.transaction((tx) => {
    const rows = tx.select({ customerId: accounts.customerId, limitCents: accounts.limitCents }).from(accounts).orderBy(asc(accounts.customerId)).all();
    const refundRows = tx.select().from(refunds).orderBy(asc(refunds.refundedAt), asc(refunds.orderId)).all();
    return { accounts: rows, payments: tx.select(paymentColumns).from(payments).orderBy(asc(payments.createdAt), asc(payments.orderId)).all(), refunds: refundRows };
  });
}
