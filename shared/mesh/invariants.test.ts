import { describe, expect, it } from "vitest";
import { findViolations, type MeshAudit } from "./invariants";

/** A quiet, consistent shop: one confirmed order (2 × A at 500), one rejected, one pending in time. */
function consistentMesh(): MeshAudit {
  return {
    inventory: {
      stock: [
        { productId: "A", onHand: 8, reserved: 1 },
        { productId: "B", onHand: 3, reserved: 0 },
      ],
      reservations: [
        { orderId: "o1", status: "COMMITTED", lines: [{ productId: "A", quantity: 2 }] },
        { orderId: "o2", status: "RELEASED", lines: [{ productId: "B", quantity: 1 }] },
        { orderId: "o3", status: "RESERVED", lines: [{ productId: "A", quantity: 1 }] },
      ],
    },
    payments: {
      payments: [
        { orderId: "o1", customerId: "c1", amountCents: 1000, status: "CAPTURED" },
        { orderId: "o2", customerId: "c1", amountCents: 700, status: "VOIDED" },
      ],
    },
    orders: {
      now: "2026-01-01T00:00:10.000Z",
      orders: [
        { id: "o1", customerId: "c1", status: "CONFIRMED", totalCents: 1000, lines: [{ productId: "A", unitPriceCents: 500, quantity: 2 }] },
        { id: "o2", customerId: "c1", status: "REJECTED", totalCents: 700, lines: [{ productId: "B", unitPriceCents: 700, quantity: 1 }] },
        { id: "o3", customerId: "c2", status: "PENDING", totalCents: 500, lines: [{ productId: "A", unitPriceCents: 500, quantity: 1 }] },
      ],
      unfinishedSagas: [{ orderId: "o3", state: "RESERVED", step: "authorize", deadlineAt: "2026-01-01T00:00:30.000Z", lastError: null }],
    },
    reporting: {
      totals: { orders: 1, units: 2, revenueCents: 1000 },
      products: [{ productId: "A", units: 2, revenueCents: 1000 }],
      customers: [{ customerId: "c1", orders: 1, spentCents: 1000 }],
    },
  };
}

const rulesOf = (audit: MeshAudit) => findViolations(audit).violations.map((violation) => violation.rule);

describe("findViolations", () => {
  it("finds nothing in a consistent mesh and counts what it checked", () => {
    const result = findViolations(consistentMesh());
    expect(result.violations).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.checked).toMatchObject({ orders: 3, confirmed: 1, rejected: 1, pending: 1, payments: 2, reservations: 3 });
  });

  it("names oversold stock and a reserved count that disagrees with the reservations", () => {
    const audit = consistentMesh();
    audit.inventory.stock[1] = { productId: "B", onHand: 3, reserved: 5 };
    const violations = findViolations(audit).violations;
    expect(violations.map((violation) => violation.rule)).toEqual(["stock.oversold", "stock.reserved_mismatch"]);
    expect(violations[1]).toMatchObject({ worker: "inventory", productId: "B", expected: 0, found: 5 });
  });

  it("names negative stock", () => {
    const audit = consistentMesh();
    audit.inventory.stock[1] = { productId: "B", onHand: -1, reserved: 0 };
    expect(rulesOf(audit)).toContain("stock.negative");
  });

  it("names a reservation still held by a finished order", () => {
    const audit = consistentMesh();
    audit.inventory.reservations[1]!.status = "RESERVED";
    audit.inventory.stock[1]!.reserved = 1;
    const violations = findViolations(audit).violations;
    expect(violations).toEqual([expect.objectContaining({ rule: "reservation.left_by_finished_order", orderId: "o2", worker: "inventory" })]);
  });

  it("names a confirmed order without its capture, with a wrong amount, or with stock not committed", () => {
    const missing = consistentMesh();
    missing.payments.payments.shift();
    expect(findViolations(missing).violations[0]).toMatchObject({ rule: "order.capture_missing", orderId: "o1", worker: "payments", found: "0 captured (no payment)" });

    const wrongAmount = consistentMesh();
    wrongAmount.payments.payments[0]!.amountCents = 999;
    expect(findViolations(wrongAmount).violations[0]).toMatchObject({ rule: "order.capture_amount", expected: 1000, found: 999 });

    const notCommitted = consistentMesh();
    notCommitted.inventory.reservations[0]!.status = "RELEASED";
    expect(rulesOf(notCommitted)).toEqual(["order.commit_missing"]);

    const otherLines = consistentMesh();
    otherLines.inventory.reservations[0]!.lines = [{ productId: "A", quantity: 3 }];
    expect(findViolations(otherLines).violations[0]).toMatchObject({ rule: "order.committed_lines", expected: "A×2", found: "A×3" });
  });

  describe("a confirmed order's commit and capture, carried by orders.order.confirmed", () => {
    /** o1 confirmed at 00:00:00 (orders' clock reads 00:00:10) and neither committed nor captured yet. */
    function unsettled(): MeshAudit {
      const audit = consistentMesh();
      audit.orders.orders[0]!.updatedAt = "2026-01-01T00:00:00.000Z";
      audit.inventory.reservations[0]!.status = "RESERVED";
      audit.inventory.stock[0] = { productId: "A", onHand: 10, reserved: 3 };
      audit.payments.payments[0]!.status = "AUTHORIZED";
      return audit;
    }

    it("leaves an order within the settle window alone while its hold waits for the consumers, and counts it as settling", () => {
      const result = findViolations(unsettled(), { settleMs: 30_000 });
      expect(result.violations).toEqual([]);
      expect(result.checked).toMatchObject({ confirmed: 1, settling: 1 });
    });

    it("names commit_missing and capture_missing once the order is older than the settle window", () => {
      const audit = unsettled();
      audit.orders.now = "2026-01-01T00:00:31.000Z";
      audit.orders.unfinishedSagas = [];
      audit.orders.orders[2]!.status = "REJECTED";
      audit.inventory.reservations[2]!.status = "RELEASED";
      audit.inventory.stock[0]!.reserved = 2;
      const violations = findViolations(audit, { settleMs: 30_000 }).violations;
      expect(violations).toEqual([
        expect.objectContaining({ rule: "order.capture_missing", orderId: "o1", worker: "payments", found: "0 captured (AUTHORIZED)" }),
        expect.objectContaining({ rule: "order.commit_missing", orderId: "o1", worker: "inventory", found: "RESERVED" }),
      ]);
      expect(findViolations(unsettled(), { settleMs: 0 }).violations.map((v) => v.rule)).toEqual(["order.capture_missing", "order.commit_missing"]);
    });

    it("names a missing hold at once, young or not: the pivot is recorded only after both holds answered", () => {
      const audit = unsettled();
      audit.inventory.reservations.shift();
      audit.inventory.stock[0]!.reserved = 1;
      audit.payments.payments.shift();
      expect(rulesOf(audit)).toEqual(["order.capture_missing", "order.commit_missing"]);
    });

    it("judges an order whose audit gives no time (an orders from before) as settled", () => {
      const audit = unsettled();
      delete audit.orders.orders[0]!.updatedAt;
      expect(rulesOf(audit)).toEqual(["order.capture_missing", "order.commit_missing"]);
    });
  });

  it("expects no payment for a confirmed free order (total 0), and names one if there is", () => {
    const free = consistentMesh();
    free.orders.orders.push({ id: "o4", customerId: "c2", status: "CONFIRMED", totalCents: 0, lines: [{ productId: "B", unitPriceCents: 0, quantity: 1 }] });
    free.inventory.reservations.push({ orderId: "o4", status: "COMMITTED", lines: [{ productId: "B", quantity: 1 }] });
    free.inventory.stock[1]!.onHand = 2; // B: one sold to o4
    free.reporting!.totals = { orders: 2, units: 3, revenueCents: 1000 };
    free.reporting!.products.push({ productId: "B", units: 1, revenueCents: 0 });
    free.reporting!.customers.push({ customerId: "c2", orders: 1, spentCents: 0 });
    expect(findViolations(free).violations).toEqual([]);

    free.payments.payments.push({ orderId: "o4", customerId: "c2", amountCents: 0, status: "AUTHORIZED" });
    expect(findViolations(free).violations[0]).toMatchObject({ rule: "order.capture_count", orderId: "o4", expected: "no payment (the order totals 0)" });
  });

  it("names two captures for one order", () => {
    const audit = consistentMesh();
    audit.payments.payments.push({ orderId: "o1", customerId: "c1", amountCents: 1000, status: "CAPTURED" });
    expect(rulesOf(audit)).toEqual(["order.capture_count"]);
  });

  it("names a rejected order still holding an authorization, a capture or committed stock", () => {
    const audit = consistentMesh();
    audit.payments.payments[1]!.status = "AUTHORIZED";
    expect(rulesOf(audit)).toEqual(["order.rejected_holds_authorization"]);
    audit.payments.payments[1]!.status = "CAPTURED";
    audit.inventory.reservations[1]!.status = "COMMITTED";
    expect(rulesOf(audit)).toEqual(["order.rejected_captured", "order.rejected_stock_committed"]);
  });

  it("names holds on stock or credit for an order orders does not know", () => {
    const audit = consistentMesh();
    audit.inventory.reservations.push({ orderId: "ghost", status: "RESERVED", lines: [{ productId: "B", quantity: 1 }] });
    audit.inventory.stock[1]!.reserved = 1;
    audit.payments.payments.push({ orderId: "ghost", customerId: "c9", amountCents: 5, status: "AUTHORIZED" });
    expect(rulesOf(audit)).toEqual(["reservation.orphan", "payment.orphan"]);
  });

  it("names a saga unfinished past its deadline, by orders' clock", () => {
    const audit = consistentMesh();
    audit.orders.now = "2026-01-01T00:01:00.000Z";
    expect(findViolations(audit).violations).toEqual([expect.objectContaining({ rule: "saga.past_deadline", orderId: "o3", worker: "orders", found: "RESERVED at authorize" })]);
  });

  it("names reporting totals, products and customers that differ from the orders'", () => {
    const audit = consistentMesh();
    audit.reporting!.totals = { orders: 2, units: 3, revenueCents: 1500 };
    audit.reporting!.products.push({ productId: "B", units: 1, revenueCents: 500 });
    audit.reporting!.customers[0]!.spentCents = 1500;
    const violations = findViolations(audit).violations;
    expect(violations.map((violation) => violation.rule)).toEqual(["reporting.totals", "reporting.totals", "reporting.totals", "reporting.product", "reporting.customer"]);
    expect(violations[0]).toMatchObject({ worker: "reporting", expected: 1, found: 2 });
  });

  it("skips the read-model rules when reporting is not in the mesh, and says so", () => {
    const audit = consistentMesh();
    delete audit.reporting;
    const result = findViolations(audit);
    expect(result.ok).toBe(true);
    expect(result.skipped).toEqual([expect.stringContaining("reporting")]);
  });
});
