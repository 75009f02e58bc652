/**
 * payments' order-path statements (authorize, capture, void), prepared once per worker
 * (createPaymentsWorker builds them on its DB and hands them to the procedures): Drizzle would
 * otherwise build each statement's SQL and map its rows generically on every call. Prepared
 * statements of the DB run inside its transactions (one connection, synchronous). Imports only the tables.
 */
import { eq, sql } from "drizzle-orm";
import type { WorkerDb } from "../../shared/db/db";
import { accounts, earlyVoids, payments } from "./schema";
import type * as schema from "./schema";

const p = sql.placeholder;

export function preparePaymentsQueries(db: WorkerDb<typeof schema>) {
  return {
    db,
    payment: db
      .select()
      .from(payments)
      .where(eq(payments.orderId, p("orderId")))
      .prepare(),
    earlyVoid: db
      .select({ orderId: earlyVoids.orderId })
      .from(earlyVoids)
      .where(eq(earlyVoids.orderId, p("orderId")))
      .prepare(),
    account: db
      .select({
        limitCents: accounts.limitCents,
        authorizedCents: accounts.authorizedCents,
        capturedCents: accounts.capturedCents,
        refundedCents: accounts.refundedCents,
      })
      .from(accounts)
      .where(eq(accounts.customerId, p("customerId")))
      .prepare(),
    insertPayment: db
      .insert(payments)
      .values({
        orderId: p("orderId"),
        customerId: p("customerId"),
        amountCents: p("amountCents"),
        status: p("status"),
        declineReason: sql`${p("declineReason")}`,
        declinedAvailableCents: sql`${p("declinedAvailableCents")}`,
        createdAt: p("at"),
        updatedAt: p("at"),
      })
      .prepare(),
    setStatus: db
      .update(payments)
      .set({ status: sql`${p("status")}`, updatedAt: sql`${p("at")}` })
      .where(eq(payments.orderId, p("orderId")))
      .prepare(),
    insertEarlyVoid: db
      .insert(earlyVoids)
      .values({ orderId: p("orderId"), voidedAt: p("at") })
      .onConflictDoNothing()
      .prepare(),
  };
}

export type PaymentsQueries = ReturnType<typeof preparePaymentsQueries>;
