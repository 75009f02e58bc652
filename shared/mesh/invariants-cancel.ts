/**
 * The invariants of order cancellation (the choreographed saga), beside invariants.ts: every
 * CANCELLED order has one refund equal to its capture and its units back in stock; nothing is
 * refunded or returned for an order not being cancelled; refunds never exceed captures; no
 * cancellation is stuck past orders' setting. Pure, like the rest of the checker.
 */
import type { MeshAudit, Violation } from "./invariant-types";

/** An order that was confirmed at some point: its capture and committed stock stay (a cancellation adds a refund and a return beside them). */
export const everConfirmed = new Set(["CONFIRMED", "CANCELLING", "CANCELLED"]);

function byOrder<T extends { orderId: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) map.set(row.orderId, [...(map.get(row.orderId) ?? []), row]);
  return map;
}

function checkCancelledOrder(order: { id: string; totalCents: number }, refunds: { amountCents: number }[], returned: boolean, out: Violation[]): void {
  const at = { orderId: order.id };
  const expected = order.totalCents === 0 ? 0 : 1;
  if (refunds.length !== expected) {
    const want = expected === 0 ? "no refund (the order totals 0)" : `exactly 1 refund of ${order.totalCents} cents`;
    out.push({
      ...at,
      worker: "payments",
      rule: "cancellation.refund_count",
      expected: want,
      found: `${refunds.length} refunds`,
      message: `order ${order.id} is CANCELLED with ${refunds.length} refunds`,
    });
  }
  for (const refund of refunds) {
    if (refund.amountCents !== order.totalCents) {
      out.push({
        ...at,
        worker: "payments",
        rule: "cancellation.refund_amount",
        expected: order.totalCents,
        found: refund.amountCents,
        message: `order ${order.id} captured ${order.totalCents} cents but ${refund.amountCents} were refunded`,
      });
    }
  }
  if (!returned) {
    out.push({
      ...at,
      worker: "inventory",
      rule: "cancellation.stock_not_returned",
      expected: "its units back in stock",
      found: "no stock return",
      message: `order ${order.id} is CANCELLED but inventory has not taken its units back`,
    });
  }
}

/** Refunds and returns only for cancelled orders, and never beyond what was captured. */
function checkStray(audit: MeshAudit, out: Violation[]): void {
  const status = new Map(audit.orders.orders.map((order) => [order.id, order.status]));
  const captured = byOrder(audit.payments.payments.filter((payment) => payment.status === "CAPTURED"));
  for (const refund of audit.payments.refunds ?? []) {
    const state = status.get(refund.orderId) ?? "unknown";
    if (state !== "CANCELLED" && state !== "CANCELLING") {
      out.push({
        orderId: refund.orderId,
        worker: "payments",
        rule: "refund.without_cancellation",
        expected: "a cancelled order",
        found: state,
        message: `payments refunded order ${refund.orderId}, which is ${state}`,
      });
    }
    const capture = (captured.get(refund.orderId) ?? []).reduce((sum, payment) => sum + payment.amountCents, 0);
    if (refund.amountCents > capture) {
      out.push({
        orderId: refund.orderId,
        worker: "payments",
        rule: "refund.exceeds_capture",
        expected: `<= ${capture}`,
        found: refund.amountCents,
        message: `order ${refund.orderId} was refunded ${refund.amountCents} cents of a ${capture}-cent capture`,
      });
    }
  }
  for (const back of audit.inventory.returns ?? []) {
    const state = status.get(back.orderId) ?? "unknown";
    if (state !== "CANCELLED" && state !== "CANCELLING") {
      out.push({
        orderId: back.orderId,
        worker: "inventory",
        rule: "return.without_cancellation",
        expected: "a cancelled order",
        found: state,
        message: `inventory took back the units of order ${back.orderId}, which is ${state}`,
      });
    }
  }
}

export function checkCancellations(audit: MeshAudit, out: Violation[]): void {
  const refunds = byOrder(audit.payments.refunds ?? []);
  const returned = new Set((audit.inventory.returns ?? []).map((back) => back.orderId));
  for (const order of audit.orders.orders) {
    if (order.status === "CANCELLED") checkCancelledOrder(order, refunds.get(order.id) ?? [], returned.has(order.id), out);
  }
  checkStray(audit, out);
  for (const cancellation of audit.orders.cancellations ?? []) {
    if (!cancellation.stuckReason) continue;
    const at = { orderId: cancellation.orderId, worker: "orders" };
    out.push({
      ...at,
      rule: "cancellation.stuck",
      expected: "CANCELLED",
      found: `CANCELLING since ${cancellation.requestedAt}`,
      message: `order ${cancellation.orderId} is CANCEL_STUCK: ${cancellation.stuckReason}`,
    });
  }
}

/** What reporting's revenue must net: the refunds of the orders orders has marked CANCELLED (reporting learns of a refund from orders.order.cancelled). */
export function refundedOfCancelled(audit: MeshAudit): Map<string, number> {
  const cancelled = new Set(audit.orders.orders.filter((order) => order.status === "CANCELLED").map((order) => order.id));
  const refunded = new Map<string, number>();
  for (const refund of audit.payments.refunds ?? []) if (cancelled.has(refund.orderId)) refunded.set(refund.orderId, refund.amountCents);
  return refunded;
}
