/**
 * payments' credit figures as the code before running totals computed them: summed over the
 * customer's whole payment and refund history on every read. Raw SQL on the tables' columns
 * (none of the totals), so it reads a database at any migration; the reference the totals
 * tests compare with (workers/payments/totals.test.ts, migration.test.ts).
 */
import { sql } from "drizzle-orm";

interface Readable {
  get<T>(query: ReturnType<typeof sql>): T | undefined;
}

export interface HistorySums {
  limitCents: number;
  authorizedCents: number;
  capturedCents: number;
  refundedCents: number;
}

export function historySums(db: Readable, customerId: string): HistorySums {
  const limit = db.get<{ cents: number }>(sql`SELECT limit_cents AS cents FROM accounts WHERE customer_id = ${customerId}`);
  const held = db.get<{ authorized: number; captured: number }>(
    sql`SELECT coalesce(sum(CASE WHEN status = 'AUTHORIZED' THEN amount_cents END), 0) AS authorized,
               coalesce(sum(CASE WHEN status = 'CAPTURED' THEN amount_cents END), 0) AS captured
        FROM payments WHERE customer_id = ${customerId}`,
  );
  const refunded = db.get<{ cents: number }>(sql`SELECT coalesce(sum(amount_cents), 0) AS cents FROM refunds WHERE customer_id = ${customerId}`);
  return { limitCents: limit?.cents ?? 0, authorizedCents: held?.authorized ?? 0, capturedCents: held?.captured ?? 0, refundedCents: refunded?.cents ?? 0 };
}

/** The account the summing code answered (accountOutput in workers/payments/contract.ts). */
export function summedAccount(db: Readable, customerId: string) {
  const sums = historySums(db, customerId);
  const capturedCents = sums.capturedCents - sums.refundedCents;
  const availableCents = Math.max(0, sums.limitCents - sums.authorizedCents - capturedCents);
  return { customerId, limitCents: sums.limitCents, authorizedCents: sums.authorizedCents, capturedCents, availableCents };
}

/** The running totals stored on the customer's account row (zeros without a row). */
export function storedTotals(db: Readable, customerId: string): Omit<HistorySums, "limitCents"> {
  const row = db.get<{ authorized: number; captured: number; refunded: number }>(
    sql`SELECT authorized_cents AS authorized, captured_cents AS captured, refunded_cents AS refunded FROM accounts WHERE customer_id = ${customerId}`,
  );
  return { authorizedCents: row?.authorized ?? 0, capturedCents: row?.captured ?? 0, refundedCents: row?.refunded ?? 0 };
}
