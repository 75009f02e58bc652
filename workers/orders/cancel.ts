/**
 * An order's cancellation, the choreographed saga: orders only records the request (CANCELLING,
 * with `orders.order.cancellationRequested`) and then listens; inventory returns the units and
 * payments refunds the capture, each reacting to that event on its own; when both answers are in,
 * orders marks the order CANCELLED (`orders.order.cancelled`). Nobody calls anybody.
 */
import { and, asc, eq, isNull, lt } from "drizzle-orm";
import { DomainError } from "../../shared/core/errors";
import type { WorkerTx } from "../../shared/db/db";
import { keyedWrite, rememberKey, resourceOfKey } from "../../shared/db/idempotency";
import { enqueueEvent } from "../../shared/events/enqueue";
import { cancellationRequested, orderCancelled } from "./events";
import * as schema from "./schema";
import { cancellations, idempotencyKeys, orders, outbox, type CancellationRow, type OrderRow } from "./schema";
import { auditOrders, getOrder, type AuditedCancellation, type Order, type OrdersStore } from "./store";
import type { CancelOrderInput, CancellationView, OrderView } from "./contract";

type OrdersTx = WorkerTx<typeof schema>;

/** A cancellation still CANCELLING this long after it was asked is CANCEL_STUCK, unless the deps say otherwise. */
export const defaultCancelStuckAfterMs = 60_000;

/** An order as procedures answer it (contract.ts): CANCEL_STUCK is how a CANCELLING order overdue shows, not a stored state. */
export type { CancellationView, OrderView };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What is missing of an open cancellation older than `stuckAfterMs`, or null. */
export function stuckReason(row: CancellationRow, now: Date, stuckAfterMs: number): string | null {
  if (row.cancelledAt !== null || now.getTime() - row.requestedAt < stuckAfterMs) return null;
  const missing = [row.stockReturnedAt === null ? "inventory.stock.returned" : null, row.refundedAt === null ? "payments.payment.refunded" : null].filter(Boolean);
  return `no ${missing.join(" nor ")} within ${stuckAfterMs} ms: the reacting worker is down or dead-lettered it (npm run mesh -- dlq)`;
}

function toView(row: CancellationRow, now: Date, stuckAfterMs: number): CancellationView {
  return {
    requestedAt: iso(row.requestedAt)!,
    capturedCents: row.capturedCents,
    stockReturnedAt: iso(row.stockReturnedAt),
    refundedAt: iso(row.refundedAt),
    refundedCents: row.refundedCents,
    cancelledAt: iso(row.cancelledAt),
    stuckReason: stuckReason(row, now, stuckAfterMs),
  };
}

export function cancellationOf(store: OrdersStore, orderId: string): CancellationRow | undefined {
  return store.db.select().from(cancellations).where(eq(cancellations.orderId, orderId)).get();
}

/** The order with its cancellation, if any; CANCEL_STUCK when it is overdue. */
export function viewOrder(store: OrdersStore, id: string, now: Date, stuckAfterMs = defaultCancelStuckAfterMs): OrderView {
  const order = getOrder(store, id);
  const row = cancellationOf(store, id);
  if (!row) return order;
  const cancellation = toView(row, now, stuckAfterMs);
  return { ...order, status: cancellation.stuckReason ? "CANCEL_STUCK" : order.status, cancellation };
}

function refusal(row: OrderRow): DomainError {
  if (row.status === "PENDING") {
    return new DomainError("CONFLICT", `order ${row.id} is PENDING: its saga is still running; it can be cancelled once CONFIRMED`, { id: row.id, status: row.status });
  }
  return new DomainError("CONFLICT", `order ${row.id} is ${row.status}; only a CONFIRMED order can be cancelled`, { id: row.id, status: row.status });
}

/** CONFIRMED → CANCELLING with its cancellation row and event, and the key remembered, in one transaction. */
function requestInTx(tx: OrdersTx, order: Order, keyed: ReturnType<typeof keyedWrite>, now: Date): void {
  const ms = now.getTime();
  // Only a CONFIRMED order gets here: payments captures its total (none for a free order) on
  // orders.order.confirmed, and refunds it; should the cancellation reach it first, it captures then.
  const capturedCents = order.totalCents;
  tx.update(orders).set({ status: "CANCELLING", updatedAt: now.toISOString() }).where(eq(orders.id, order.id)).run();
  tx.insert(cancellations).values({ orderId: order.id, capturedCents, requestedAt: ms }).run();
  if (keyed) rememberKey(tx, idempotencyKeys, keyed, order.id, now);
  const data = { orderId: order.id, customerId: order.customerId, lines: order.lines, totalCents: order.totalCents, capturedCents, requestedAt: now.toISOString() };
  enqueueEvent(tx, outbox, cancellationRequested, data, { aggregateId: order.id, now });
}

/**
 * Asks to cancel a CONFIRMED order: it becomes CANCELLING and the reactions begin. The same key
 * sent again for the same order answers as the first time (the order as it is now) and changes
 * nothing, even once it is CANCELLING or CANCELLED; without a key (or with a new one) a second
 * cancel is refused naming the state. PENDING and REJECTED are refused too; an unknown id is 404.
 */
export function cancelOrder(store: OrdersStore, input: CancelOrderInput, now: Date): Order {
  const keyed = keyedWrite(input.idempotencyKey, { orderId: input.id }, "cancellation");
  store.db.transaction(
    (tx) => {
      if (keyed && resourceOfKey(tx, idempotencyKeys, keyed)) return;
      const row = tx.select().from(orders).where(eq(orders.id, input.id)).get();
      if (!row) throw new DomainError("NOT_FOUND", `order ${input.id} not found`, { id: input.id });
      if (row.status !== "CONFIRMED") throw refusal(row);
      requestInTx(tx, getOrder(store, input.id), keyed, now);
    },
    { behavior: "immediate" },
  );
  return getOrder(store, input.id);
}

type Reaction = { stockReturnedAt: number } | { refundedAt: number; refundedCents: number };

/**
 * Records one reaction of a cancellation (in the consumer's transaction, with its inbox row); when
 * both are in, the order is CANCELLED with `orders.order.cancelled`. A reaction of an order with no
 * cancellation (not one of ours) or already recorded changes nothing.
 */
export function recordReaction(tx: OrdersTx, orderId: string, reaction: Reaction, now: Date): void {
  const row = tx.select().from(cancellations).where(eq(cancellations.orderId, orderId)).get();
  if (!row || row.cancelledAt !== null) return;
  if ("stockReturnedAt" in reaction ? row.stockReturnedAt !== null : row.refundedAt !== null) return;
  const next = { ...row, ...reaction };
  tx.update(cancellations).set(reaction).where(eq(cancellations.orderId, orderId)).run();
  if (next.stockReturnedAt === null || next.refundedAt === null) return;
  const order = tx.select().from(orders).where(eq(orders.id, orderId)).get()!;
  tx.update(cancellations).set({ cancelledAt: now.getTime() }).where(eq(cancellations.orderId, orderId)).run();
  tx.update(orders).set({ status: "CANCELLED", updatedAt: now.toISOString() }).where(eq(orders.id, orderId)).run();
  const data = {
    orderId,
    customerId: order.customerId,
    totalCents: order.totalCents,
    refundedCents: next.refundedCents ?? 0,
    refundedAt: iso(next.refundedAt)!,
    cancelledAt: now.toISOString(),
  };
  enqueueEvent(tx, outbox, orderCancelled, data, { aggregateId: orderId, now });
}

/** orders' audit (for `mesh check`) with every cancellation, stuck ones saying why, judged by orders' clock and setting. */
export function auditWithCancellations(store: OrdersStore, now: Date, stuckAfterMs = defaultCancelStuckAfterMs) {
  const cancellationsOf = (tx: OrdersTx): AuditedCancellation[] =>
    tx
      .select()
      .from(cancellations)
      .orderBy(asc(cancellations.orderId))
      .all()
      .map((row) => ({
        orderId: row.orderId,
        requestedAt: iso(row.requestedAt)!,
        capturedCents: row.capturedCents,
        refundedCents: row.refundedCents,
        stuckReason: stuckReason(row, now, stuckAfterMs),
      }));
  return auditOrders(store, now, cancellationsOf);
}

/**
 * For orders' `/health/ready` (and so `npm run mesh -- status`, beside the sagas needing
 * attention): the cancellations stuck past the setting, the first few with their reason.
 */
export function stuckCancellations(store: OrdersStore, now: Date, stuckAfterMs = defaultCancelStuckAfterMs) {
  const overdue = and(isNull(cancellations.cancelledAt), lt(cancellations.requestedAt, now.getTime() - stuckAfterMs));
  const rows = store.db.select().from(cancellations).where(overdue).orderBy(asc(cancellations.requestedAt)).limit(10).all();
  return { cancelStuck: rows.map((row) => ({ orderId: row.orderId, reason: stuckReason(row, now, stuckAfterMs) })) };
}
