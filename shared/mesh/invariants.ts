/**
 * The mesh's invariants across workers (stock never oversold, one captured payment per confirmed
 * order once settled, no hold left by a finished order, read models equal to their owners' data, …: each
 * violation names its `rule`) as a pure function of what each owning worker reports through its
 * admin `audit` query. No I/O here, so every rule has a unit test; `check.ts` fetches the reports
 * and prints the result. Shapes are declared here, not imported, because `shared/` never imports
 * from `workers/`.
 *
 * @example const result = findViolations({ inventory, payments, orders, reporting });
 */
import { checkCancellations, everConfirmed, refundedOfCancelled } from "./invariants-cancel";
import { checkConfirmedOrder, defaultSettleMs, settling, type OrderHoldings } from "./invariants-confirmed";

import type { AuditedOrder, CheckResult, CheckSettings, InventoryAudit, MeshAudit, OrdersAudit, ReportingAudit, Violation } from "./invariant-types";

export type { AuditedOrder, CheckResult, CheckSettings, InventoryAudit, MeshAudit, OrdersAudit, PaymentsAudit, ReportingAudit, Violation } from "./invariant-types";
export { defaultSettleMs } from "./invariants-confirmed";

type Totals = { orders: number; units: number; revenueCents: number };

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

function checkStock(audit: InventoryAudit, out: Violation[]): void {
  const held = new Map<string, number>();
  for (const reservation of audit.reservations) {
    if (reservation.status !== "RESERVED") continue;
    for (const line of reservation.lines) held.set(line.productId, (held.get(line.productId) ?? 0) + line.quantity);
  }
  const seen = new Set<string>();
  for (const row of audit.stock) {
    seen.add(row.productId);
    const at = { worker: "inventory", productId: row.productId };
    if (row.onHand < 0) out.push({ ...at, rule: "stock.negative", expected: ">= 0 on hand", found: row.onHand, message: `product ${row.productId} has ${row.onHand} on hand` });
    if (row.reserved < 0) out.push({ ...at, rule: "stock.negative", expected: ">= 0 reserved", found: row.reserved, message: `product ${row.productId} has ${row.reserved} reserved` });
    if (row.reserved > row.onHand) {
      out.push({
        ...at,
        rule: "stock.oversold",
        expected: `reserved <= on hand (${row.onHand})`,
        found: row.reserved,
        message: `product ${row.productId} is oversold: ${row.reserved} reserved of ${row.onHand} on hand`,
      });
    }
    const expected = held.get(row.productId) ?? 0;
    if (row.reserved !== expected) {
      out.push({
        ...at,
        rule: "stock.reserved_mismatch",
        expected,
        found: row.reserved,
        message: `product ${row.productId} shows ${row.reserved} reserved but its RESERVED reservations hold ${expected}`,
      });
    }
  }
  for (const [productId, quantity] of held) {
    if (!seen.has(productId)) {
      out.push({
        worker: "inventory",
        productId,
        rule: "stock.reserved_mismatch",
        expected: quantity,
        found: "no stock row",
        message: `product ${productId} has ${quantity} held by reservations but no stock row`,
      });
    }
  }
}

type Payments = Map<string, MeshAudit["payments"]["payments"]>;
type Reservations = Map<string, MeshAudit["inventory"]["reservations"]>;

/** Every order against what inventory and payments hold for it; answers how many confirmed orders are still settling. */
function checkOrders(audit: MeshAudit, settings: CheckSettings, out: Violation[]): number {
  const now = Date.parse(audit.orders.now);
  let inFlight = 0;
  const orders = new Map(audit.orders.orders.map((order) => [order.id, order]));
  const reservations = groupBy(audit.inventory.reservations, (reservation) => reservation.orderId);
  const payments = groupBy(audit.payments.payments, (payment) => payment.orderId);
  for (const order of orders.values()) {
    const ofOrder = reservations.get(order.id) ?? [];
    const paid = payments.get(order.id) ?? [];
    const holdings: OrderHoldings = {
      reservations,
      payments,
      held: ofOrder.filter((reservation) => reservation.status === "RESERVED"),
      committed: ofOrder.filter((reservation) => reservation.status === "COMMITTED"),
      captured: paid.filter((payment) => payment.status === "CAPTURED"),
      authorized: paid.filter((payment) => payment.status === "AUTHORIZED"),
    };
    const young = everConfirmed.has(order.status) && settling(order, now, settings.settleMs);
    if (young && (holdings.held.length > 0 || holdings.authorized.length > 0)) inFlight += 1;
    checkOrder(order, holdings, young, out);
  }
  checkOrphans(orders, reservations, payments, out);
  return inFlight;
}

function checkOrder(order: AuditedOrder, holdings: OrderHoldings, young: boolean, out: Violation[]): void {
  const at = { orderId: order.id };
  const { held } = holdings;
  // A confirmed order's RESERVED reservation is its commit still due (invariants-confirmed.ts).
  if (order.status !== "PENDING" && !everConfirmed.has(order.status) && held.length > 0) {
    out.push({
      ...at,
      worker: "inventory",
      rule: "reservation.left_by_finished_order",
      expected: "no RESERVED reservation",
      found: "RESERVED",
      message: `order ${order.id} is ${order.status} but inventory still holds its stock`,
    });
  }
  if (everConfirmed.has(order.status)) checkConfirmedOrder(order, holdings, young, out);
  if (order.status === "REJECTED") checkRejectedOrder(order, holdings, out);
}

/** A REJECTED order holds neither stock nor credit. */
function checkRejectedOrder(order: AuditedOrder, holdings: OrderHoldings, out: Violation[]): void {
  const at = { orderId: order.id };
  const { authorized, captured, committed } = holdings;
  if (authorized.length > 0) {
    out.push({
      ...at,
      worker: "payments",
      rule: "order.rejected_holds_authorization",
      expected: "no AUTHORIZED payment",
      found: "AUTHORIZED",
      message: `order ${order.id} is REJECTED but its payment is still authorized`,
    });
  }
  if (captured.length > 0) {
    out.push({
      ...at,
      worker: "payments",
      rule: "order.rejected_captured",
      expected: "no CAPTURED payment",
      found: "CAPTURED",
      message: `order ${order.id} is REJECTED but its payment was captured`,
    });
  }
  if (committed.length > 0) {
    out.push({
      ...at,
      worker: "inventory",
      rule: "order.rejected_stock_committed",
      expected: "no COMMITTED reservation",
      found: "COMMITTED",
      message: `order ${order.id} is REJECTED but its stock was committed`,
    });
  }
}

function checkOrphans(orders: Map<string, AuditedOrder>, reservations: Reservations, payments: Payments, out: Violation[]): void {
  // Holds on stock or credit for an order orders never heard of: nobody will ever release them.
  for (const [orderId, list] of reservations) {
    if (!orders.has(orderId) && list.some((reservation) => reservation.status === "RESERVED")) {
      out.push({
        orderId,
        worker: "inventory",
        rule: "reservation.orphan",
        expected: "an order in orders",
        found: "RESERVED reservation of unknown order",
        message: `inventory holds stock for order ${orderId}, which orders does not know`,
      });
    }
  }
  for (const [orderId, list] of payments) {
    const held = list.find((payment) => payment.status === "AUTHORIZED" || payment.status === "CAPTURED");
    if (!orders.has(orderId) && held) {
      out.push({
        orderId,
        worker: "payments",
        rule: "payment.orphan",
        expected: "an order in orders",
        found: `${held.status} payment of unknown order`,
        message: `payments holds a ${held.status} payment for order ${orderId}, which orders does not know`,
      });
    }
  }
}

function checkSagas(audit: OrdersAudit, out: Violation[]): void {
  const now = Date.parse(audit.now);
  for (const saga of audit.unfinishedSagas) {
    if (Date.parse(saga.deadlineAt) >= now) continue;
    out.push({
      orderId: saga.orderId,
      worker: "orders",
      rule: "saga.past_deadline",
      expected: `DONE by ${saga.deadlineAt}`,
      found: `${saga.state}${saga.step ? ` at ${saga.step}` : ""}${saga.lastError ? ` (${saga.lastError})` : ""}`,
      message: `saga of order ${saga.orderId} is still ${saga.state} past its deadline`,
    });
  }
}

/** Reporting counts every order once confirmed (a later cancellation does not unsell it) and nets the refunds of CANCELLED ones. */
function checkReporting(orders: AuditedOrder[], refunded: Map<string, number>, reporting: ReportingAudit, out: Violation[]): void {
  const confirmed = orders.filter((order) => everConfirmed.has(order.status));
  const truth: Totals = { orders: confirmed.length, units: 0, revenueCents: 0 };
  const products = new Map<string, { units: number; revenueCents: number }>();
  const customers = new Map<string, { orders: number; spentCents: number; cancelledOrders: number; refundedCents: number }>();
  for (const order of confirmed) {
    truth.revenueCents += order.totalCents - (refunded.get(order.id) ?? 0);
    for (const line of order.lines) {
      truth.units += line.quantity;
      const product = products.get(line.productId) ?? { units: 0, revenueCents: 0 };
      products.set(line.productId, { units: product.units + line.quantity, revenueCents: product.revenueCents + line.unitPriceCents * line.quantity });
    }
    const customer = customers.get(order.customerId) ?? { orders: 0, spentCents: 0, cancelledOrders: 0, refundedCents: 0 };
    const refund = refunded.get(order.id);
    customers.set(order.customerId, {
      orders: customer.orders + 1,
      spentCents: customer.spentCents + order.totalCents,
      cancelledOrders: customer.cancelledOrders + (refund === undefined ? 0 : 1),
      refundedCents: customer.refundedCents + (refund ?? 0),
    });
  }

  for (const key of ["orders", "units", "revenueCents"] as const) {
    if (reporting.totals[key] !== truth[key]) {
      out.push({
        worker: "reporting",
        rule: "reporting.totals",
        expected: truth[key],
        found: reporting.totals[key],
        message: `reporting's total ${key} is ${reporting.totals[key]}; orders' confirmed orders give ${truth[key]}`,
      });
    }
  }
  const reported = new Map(reporting.products.map((row) => [row.productId, row]));
  for (const productId of new Set([...products.keys(), ...reported.keys()])) {
    const want = products.get(productId) ?? { units: 0, revenueCents: 0 };
    const got = reported.get(productId) ?? { units: 0, revenueCents: 0 };
    if (want.units !== got.units || want.revenueCents !== got.revenueCents) {
      out.push({
        worker: "reporting",
        productId,
        rule: "reporting.product",
        expected: `${want.units} units, ${want.revenueCents} cents`,
        found: `${got.units} units, ${got.revenueCents} cents`,
        message: `reporting's sales of product ${productId} differ from orders'`,
      });
    }
  }
  const reportedCustomers = new Map(reporting.customers.map((row) => [row.customerId, row]));
  for (const customerId of new Set([...customers.keys(), ...reportedCustomers.keys()])) {
    const want = customers.get(customerId) ?? { orders: 0, spentCents: 0, cancelledOrders: 0, refundedCents: 0 };
    const got: Omit<ReportingAudit["customers"][number], "customerId"> = reportedCustomers.get(customerId) ?? { orders: 0, spentCents: 0 };
    // A reporting from before cancellations has no such columns: only what it has is compared.
    const cancellationsDiffer = got.cancelledOrders !== undefined && (got.cancelledOrders !== want.cancelledOrders || got.refundedCents !== want.refundedCents);
    if (want.orders !== got.orders || want.spentCents !== got.spentCents || cancellationsDiffer) {
      out.push({
        worker: "reporting",
        customerId,
        rule: "reporting.customer",
        expected: `${want.orders} orders, ${want.spentCents} cents, ${want.cancelledOrders} cancelled`,
        found: `${got.orders} orders, ${got.spentCents} cents, ${got.cancelledOrders ?? "?"} cancelled`,
        message: `reporting's figures for customer ${customerId} differ from orders'`,
      });
    }
  }
}

/** `settings.settleMs`: how long a confirmed order may wait for its commit and capture (default 30 s). */
export function findViolations(audit: MeshAudit, settings: CheckSettings = { settleMs: defaultSettleMs }): CheckResult {
  const violations: Violation[] = [];
  checkStock(audit.inventory, violations);
  const inFlight = checkOrders(audit, settings, violations);
  checkSagas(audit.orders, violations);
  checkCancellations(audit, violations);
  if (audit.reporting) checkReporting(audit.orders.orders, refundedOfCancelled(audit), audit.reporting, violations);
  const count = (status: string) => audit.orders.orders.filter((order) => order.status === status).length;
  return {
    ok: violations.length === 0,
    checked: {
      orders: audit.orders.orders.length,
      confirmed: count("CONFIRMED"),
      rejected: count("REJECTED"),
      pending: count("PENDING"),
      cancelling: count("CANCELLING"),
      cancelled: count("CANCELLED"),
      settling: inFlight,
      unfinishedSagas: audit.orders.unfinishedSagas.length,
      stockRows: audit.inventory.stock.length,
      reservations: audit.inventory.reservations.length,
      payments: audit.payments.payments.length,
      refunds: audit.payments.refunds?.length ?? 0,
      ...(audit.reporting ? { reportedProducts: audit.reporting.products.length, reportedCustomers: audit.reporting.customers.length } : {}),
    },
    skipped: audit.reporting ? [] : ["reporting (not in the mesh): read models not compared"],
    violations,
  };
}
