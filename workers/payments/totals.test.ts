/**
 * The account's running totals against its history: after any sequence of limit changes,
 * authorizations, captures, voids and refunds, the totals on each account row equal the sums over
 * its payments and refunds, and every answer (getAccount, authorize's grant or decline) is what the
 * code that summed the history answered (test/support/payments-history.ts).
 */
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { openWorkerDatabase } from "../../shared/db/db";
import { DomainError } from "../../shared/core/errors";
import { historySums, storedTotals, summedAccount } from "../../test/support/payments-history";
import { preparePaymentsQueries, type PaymentsQueries } from "./queries";
import { refundCapture } from "./refunds";
import * as schema from "./schema";
import type { PaymentStatus } from "./schema";
import { authorizePayment, capturePayment, getAccount, setCreditLimit, voidPayment } from "./service";

const now = new Date("2026-03-01T12:00:00Z");
const customers = ["c1", "c2", "c3"] as const;
const orders = Array.from({ length: 10 }, (_, i) => `o${i + 1}`);

/** capture, void and refund pick an order: mostly one in the state the step fits (authorized; captured), else any order. */
type Pick = { pick: number; fitting: boolean };
type Op =
  | { kind: "limit"; customerId: string; limitCents: number }
  | { kind: "authorize"; orderId: string; customerId: string; amountCents: number }
  | ({ kind: "capture" | "void" } & Pick)
  | ({ kind: "refund"; asCaptured: boolean; otherCents: number } & Pick);

const customer = fc.constantFrom(...customers);
const mostly = fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, fc.constant(false));
const pick = { pick: fc.nat(), fitting: mostly };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("limit" as const), customerId: customer, limitCents: fc.integer({ min: 0, max: 20_000 }) }),
  {
    arbitrary: fc.record({ kind: fc.constant("authorize" as const), orderId: fc.constantFrom(...orders), customerId: customer, amountCents: fc.integer({ min: 1, max: 4_000 }) }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant("capture" as const), ...pick }), weight: 3 },
  fc.record({ kind: fc.constant("void" as const), ...pick }),
  { arbitrary: fc.record({ kind: fc.constant("refund" as const), ...pick, asCaptured: mostly, otherCents: fc.integer({ min: 0, max: 6_000 }) }), weight: 2 },
);
/** Each customer's limit set first (0 at times), so authorizations are granted and then captured, voided and refunded. */
const history = fc
  .tuple(fc.tuple(...customers.map(() => fc.oneof(fc.constant(0), { arbitrary: fc.integer({ min: 1, max: 30_000 }), weight: 5 }))), fc.array(op, { minLength: 10, maxLength: 60 }))
  .map(([limits, steps]): Op[] => [...customers.map((customerId, i) => ({ kind: "limit" as const, customerId, limitCents: limits[i]! })), ...steps]);

function orderPicked(q: PaymentsQueries, step: Pick, fits: PaymentStatus): string {
  const fitting = q.db
    .select({ orderId: schema.payments.orderId })
    .from(schema.payments)
    .where(eq(schema.payments.status, fits))
    .orderBy(schema.payments.orderId)
    .all()
    .map((row) => row.orderId);
  const from = step.fitting && fitting.length > 0 ? fitting : orders;
  return from[step.pick % from.length]!;
}

/** A refund as payments' consumer applies it: in its own transaction, rolled back if it throws. */
function refund(q: PaymentsQueries, orderId: string, capturedCents: number): void {
  const cancellation = { orderId, customerId: "c1", lines: [], totalCents: capturedCents, capturedCents, requestedAt: now.toISOString() };
  q.db.transaction((tx) => refundCapture(tx, cancellation, now), { behavior: "immediate" });
}

function apply(q: PaymentsQueries, step: Op): unknown {
  switch (step.kind) {
    case "limit":
      return setCreditLimit(q, step, now);
    case "authorize":
      return authorizePayment(q, step, now);
    case "capture":
      return capturePayment(q, orderPicked(q, step, "AUTHORIZED"), now);
    case "void":
      return voidPayment(q, orderPicked(q, step, "AUTHORIZED"), now);
    case "refund": {
      const orderId = orderPicked(q, step, "CAPTURED");
      const paid = q.payment.get({ orderId })?.amountCents;
      return refund(q, orderId, step.asCaptured && paid !== undefined ? paid : step.otherCents);
    }
  }
}

function outcomeOf(q: PaymentsQueries, step: Op): { answer?: unknown; error?: DomainError | Error } {
  try {
    return { answer: apply(q, step) };
  } catch (error) {
    return { error: error as Error };
  }
}

/** A first authorize of an order is granted exactly when the summed history left room for it, and a decline names what it left. */
function expectAuthorizeAsSummed(step: Extract<Op, { kind: "authorize" }>, availableBefore: number, outcome: { answer?: unknown; error?: Error }): void {
  if (step.amountCents <= availableBefore) {
    expect(outcome).toEqual({ answer: { orderId: step.orderId, status: "AUTHORIZED", amountCents: step.amountCents } });
    return;
  }
  expect(outcome.error).toBeInstanceOf(DomainError);
  expect((outcome.error as DomainError).details).toEqual({ reason: "credit_limit_exceeded", availableCents: availableBefore });
}

function expectTotalsAsSummed(q: PaymentsQueries): void {
  for (const customerId of customers) {
    const { limitCents: _limit, ...sums } = historySums(q.db, customerId);
    expect(storedTotals(q.db, customerId), customerId).toEqual(sums);
    expect(getAccount(q, customerId)).toEqual(summedAccount(q.db, customerId));
  }
}

describe("payments' running totals", () => {
  it("equal the sums over each account's history after any sequence of changes, and every answer is the summing code's", async () => {
    await fc.assert(
      fc.asyncProperty(history, async (steps) => {
        const database = await openWorkerDatabase({ worker: "payments", dataDir: ":memory:", schema });
        try {
          const q = preparePaymentsQueries(database.db);
          for (const step of steps) {
            const fresh = step.kind === "authorize" && !q.payment.get({ orderId: step.orderId }) && !q.earlyVoid.get({ orderId: step.orderId });
            const availableBefore = step.kind === "authorize" ? summedAccount(q.db, step.customerId).availableCents : 0;
            const outcome = outcomeOf(q, step);
            if (fresh && step.kind === "authorize") expectAuthorizeAsSummed(step, availableBefore, outcome);
            if (step.kind === "limit") expect(outcome.answer).toEqual(summedAccount(q.db, step.customerId));
            expectTotalsAsSummed(q);
          }
        } finally {
          database.close();
        }
      }),
      { numRuns: 100 },
    );
  });
});
