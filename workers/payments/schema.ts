/**
 * payments owns each customer's credit limit and the payment of each order against it
 * (authorized, then captured or voided; or declined, kept so a repeat gets the same answer).
 */
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, check } from "drizzle-orm/sqlite-core";
import { z } from "zod";
import { pageInput } from "../../shared/db/paging";
import { inboxTable, outboxTable } from "../../shared/events/tables";

export const accounts = sqliteTable(
  "accounts",
  {
    customerId: text("customer_id").primaryKey(),
    limitCents: integer("limit_cents").notNull(),
    /** When the limit was last set (or the row was first written by a payment, at limit 0). */
    updatedAt: text("updated_at").notNull(),
    // Running totals of the customer's history (the sums of its AUTHORIZED and of its CAPTURED
    // payments' amounts, and of its refunds), so reading an account is one key lookup however long
    // the history. Triggers on payments and refunds keep them in the transaction of each write
    // (migrations/payments/0002_running_totals.sql: the previous release's writes count too); a
    // table rebuild of payments or refunds drops those triggers and must create them again.
    authorizedCents: integer("authorized_cents").notNull().default(0),
    capturedCents: integer("captured_cents").notNull().default(0),
    refundedCents: integer("refunded_cents").notNull().default(0),
  },
  (table) => [check("accounts_limit_not_negative", sql`${table.limitCents} >= 0`)],
);

export const paymentStatuses = ["AUTHORIZED", "CAPTURED", "VOIDED", "DECLINED"] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];
export const declineReasons = ["credit_limit_exceeded"] as const;
export type DeclineReason = (typeof declineReasons)[number];

export const payments = sqliteTable(
  "payments",
  {
    orderId: text("order_id").primaryKey(),
    customerId: text("customer_id").notNull(),
    amountCents: integer("amount_cents").notNull(),
    status: text("status", { enum: paymentStatuses }).notNull(),
    declineReason: text("decline_reason", { enum: declineReasons }),
    /** What was available when declined: a repeat of the request answers with this same figure. */
    declinedAvailableCents: integer("declined_available_cents"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (table) => [
    index("payments_customer").on(table.customerId, table.status),
    index("payments_created").on(table.createdAt, table.orderId),
    // A customer's payments page by page, newest first (listPayments' keyset order).
    index("payments_customer_created").on(table.customerId, table.createdAt, table.orderId),
    check("payments_amount_positive", sql`${table.amountCents} >= 1`),
    check("payments_status_known", sql`${table.status} in ('AUTHORIZED', 'CAPTURED', 'VOIDED', 'DECLINED')`),
  ],
);

/**
 * Orders voided before any authorization reached us (the saga compensated after a timeout).
 * An authorize arriving later is refused, so no credit stays held for an abandoned order.
 */
export const earlyVoids = sqliteTable("early_voids", {
  orderId: text("order_id").primaryKey(),
  voidedAt: text("voided_at").notNull(),
});

/**
 * The refund of a cancelled order's capture: at most one per order (the key), equal to the
 * capture; the customer's available credit counts it back.
 */
export const refunds = sqliteTable(
  "refunds",
  {
    orderId: text("order_id").primaryKey(),
    customerId: text("customer_id").notNull(),
    amountCents: integer("amount_cents").notNull(),
    refundedAt: text("refunded_at").notNull(),
  },
  (table) => [index("refunds_customer").on(table.customerId), check("refunds_amount_positive", sql`${table.amountCents} >= 1`)],
);

export type PaymentRow = typeof payments.$inferSelect;

const customerId = z.string().min(1).max(64);
const orderId = z.string().min(1).max(64);
const cents = z.number().int().max(Number.MAX_SAFE_INTEGER);

export const authorizeInput = z.strictObject({ orderId, customerId, amountCents: cents.min(1) });
export const orderIdInput = z.strictObject({ orderId });
/** Payments, newest first, a page at a time; by order or by customer. */
export const paymentsInput = z.strictObject({ orderId: orderId.optional(), customerId: customerId.optional(), ...pageInput });

/** Setting and reading a credit limit are part of payments' call contract (contract.ts). */
export type { SetCreditLimitInput } from "./contract";
export type AuthorizeInput = z.infer<typeof authorizeInput>;

/** Events waiting for the relay; written in the same transaction as the change. */
export const outbox = outboxTable();
/** Events already applied (orders' cancellations), so a redelivery refunds nothing twice. */
export const inbox = inboxTable();
