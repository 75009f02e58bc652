/**
 * The invariants of a confirmed order (or one confirmed before it was cancelled), beside
 * invariants.ts: exactly one capture of its total and its stock committed with its lines. Both
 * are forward-only steps inventory and payments take when they consume orders.order.confirmed,
 * so a young order may still be waiting for them: within the settle window (by orders' clock,
 * from the order's confirmation) a RESERVED reservation or an AUTHORIZED payment is in flight;
 * past it, either is named commit_missing / capture_missing. A hold that is not there at all is
 * named at once (the pivot is recorded only once both holds answered). Pure, like the rest.
 */
import type { AuditedOrder, MeshAudit, Violation } from "./invariant-types";

/** How long a confirmed order may wait for its commit and capture before the checker names it. */
export const defaultSettleMs = 30_000;

type PaymentRows = MeshAudit["payments"]["payments"];
type ReservationRows = MeshAudit["inventory"]["reservations"];

/** What inventory and payments hold for one order, by status. */
export interface OrderHoldings {
  reservations: Map<string, ReservationRows>;
  payments: Map<string, PaymentRows>;
  held: ReservationRows;
  committed: ReservationRows;
  captured: PaymentRows;
  authorized: PaymentRows;
}

/** Within the settle window since the order last changed (its confirmation); an order without the time is settled. */
export function settling(order: AuditedOrder, now: number, settleMs: number): boolean {
  return order.updatedAt !== undefined && now - Date.parse(order.updatedAt) < settleMs;
}

export function quantitiesOf(lines: { productId: string; quantity: number }[]): string {
  const byProduct = new Map<string, number>();
  for (const line of lines) byProduct.set(line.productId, (byProduct.get(line.productId) ?? 0) + line.quantity);
  return [...byProduct]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([product, quantity]) => `${product}×${quantity}`)
    .join(", ");
}

/** One capture of the total (none for a free order: payments takes no 0-cent authorization); a young order's AUTHORIZED payment is its capture in flight. */
function checkCapture(order: AuditedOrder, holdings: OrderHoldings, young: boolean, out: Violation[]): void {
  const at = { orderId: order.id, worker: "payments" };
  const { captured, authorized } = holdings;
  const paymentsOfOrder = holdings.payments.get(order.id) ?? [];
  const statuses = paymentsOfOrder.map((payment) => payment.status).join(", ") || "no payment";
  const found = `${captured.length} captured (${statuses})`;
  if (order.totalCents === 0 && paymentsOfOrder.length > 0) {
    const message = `order ${order.id} totals 0 but payments holds ${statuses}`;
    out.push({ ...at, rule: "order.capture_count", expected: "no payment (the order totals 0)", found, message });
  } else if (captured.length > 1) {
    out.push({
      ...at,
      rule: "order.capture_count",
      expected: "exactly 1 CAPTURED payment",
      found,
      message: `order ${order.id} is ${order.status} with ${captured.length} captured payments`,
    });
  } else if (order.totalCents > 0 && captured.length === 0 && !(young && authorized.length === 1)) {
    out.push({ ...at, rule: "order.capture_missing", expected: "exactly 1 CAPTURED payment", found, message: `order ${order.id} is ${order.status} but its payment is not captured` });
  }
  for (const payment of captured) {
    if (payment.amountCents === order.totalCents) continue;
    const message = `order ${order.id} totals ${order.totalCents} cents but ${payment.amountCents} were captured`;
    out.push({ ...at, rule: "order.capture_amount", expected: order.totalCents, found: payment.amountCents, message });
  }
}

/** Its stock committed, with its lines; a young order's RESERVED reservation is its commit in flight. */
function checkCommit(order: AuditedOrder, holdings: OrderHoldings, young: boolean, out: Violation[]): void {
  const at = { orderId: order.id, worker: "inventory" };
  const { committed, held } = holdings;
  if (committed.length === 1) {
    if (quantitiesOf(committed[0]!.lines) === quantitiesOf(order.lines)) return;
    const found = quantitiesOf(committed[0]!.lines);
    out.push({ ...at, rule: "order.committed_lines", expected: quantitiesOf(order.lines), found, message: `order ${order.id}'s committed stock differs from its lines` });
    return;
  }
  if (young && held.length === 1) return;
  const statuses = (holdings.reservations.get(order.id) ?? []).map((reservation) => reservation.status).join(", ") || "no reservation";
  const message = `order ${order.id} is ${order.status} but its stock is not committed (${statuses})`;
  out.push({ ...at, rule: "order.commit_missing", expected: "a COMMITTED reservation", found: statuses, message });
}

/** `young`: confirmed within the settle window, so its commit and capture may still be on their way. */
export function checkConfirmedOrder(order: AuditedOrder, holdings: OrderHoldings, young: boolean, out: Violation[]): void {
  checkCapture(order, holdings, young, out);
  checkCommit(order, holdings, young, out);
}
