import { describe, expect, it } from "vitest";
import { findViolations, type MeshAudit } from "./invariants";

/** A quiet shop after a cancellation: o1 (2 × A at 500) confirmed then CANCELLED: refunded, units back; reporting nets it. */
function cancelledMesh(): MeshAudit {
  return {
    inventory: {
      stock: [{ productId: "A", onHand: 10, reserved: 0 }],
      reservations: [{ orderId: "o1", status: "COMMITTED", lines: [{ productId: "A", quantity: 2 }] }],
      returns: [{ orderId: "o1" }],
    },
    payments: {
      payments: [{ orderId: "o1", customerId: "c1", amountCents: 1000, status: "CAPTURED" }],
      refunds: [{ orderId: "o1", customerId: "c1", amountCents: 1000 }],
    },
    orders: {
      now: "2026-01-01T00:10:00.000Z",
      orders: [{ id: "o1", customerId: "c1", status: "CANCELLED", totalCents: 1000, lines: [{ productId: "A", unitPriceCents: 500, quantity: 2 }] }],
      unfinishedSagas: [],
      cancellations: [{ orderId: "o1", requestedAt: "2026-01-01T00:05:00.000Z", stuckReason: null }],
    },
    reporting: {
      totals: { orders: 1, units: 2, revenueCents: 0 },
      products: [{ productId: "A", units: 2, revenueCents: 1000 }],
      customers: [{ customerId: "c1", orders: 1, spentCents: 1000, cancelledOrders: 1, refundedCents: 1000 }],
    },
  };
}

const rules = (audit: MeshAudit) => findViolations(audit).violations.map((v) => `${v.rule} ${v.orderId ?? v.customerId ?? ""}`.trim());

describe("the invariants of cancellation", () => {
  it("a cancelled order with its one refund, its units back and reporting netting it passes", () => {
    const result = findViolations(cancelledMesh());
    expect(result.violations).toEqual([]);
    expect(result.checked).toMatchObject({ cancelled: 1, refunds: 1 });
  });

  it("a CANCELLED order without its refund is named (and reporting's net revenue then disagrees)", () => {
    const audit = cancelledMesh();
    audit.payments.refunds = [];
    expect(rules(audit)).toEqual(["cancellation.refund_count o1", "reporting.totals", "reporting.customer c1"]);
  });

  it("a refund of another amount, or beyond the capture, is named", () => {
    const audit = cancelledMesh();
    audit.payments.refunds = [{ orderId: "o1", customerId: "c1", amountCents: 1200 }];
    expect(rules(audit)).toContain("cancellation.refund_amount o1");
    expect(rules(audit)).toContain("refund.exceeds_capture o1");
  });

  it("units not taken back, and a refund or return for an order not being cancelled, are named", () => {
    const notBack = cancelledMesh();
    notBack.inventory.returns = [];
    expect(rules(notBack)).toEqual(["cancellation.stock_not_returned o1"]);
    const stray = cancelledMesh();
    stray.orders.orders[0]!.status = "CONFIRMED";
    stray.reporting = undefined;
    expect(rules(stray)).toEqual(["refund.without_cancellation o1", "return.without_cancellation o1"]);
  });

  it("a cancellation open past orders' setting is named with orders' reason", () => {
    const audit = cancelledMesh();
    audit.orders.orders[0]!.status = "CANCELLING";
    audit.inventory.returns = [];
    audit.reporting = undefined;
    audit.orders.cancellations = [{ orderId: "o1", requestedAt: "2026-01-01T00:05:00.000Z", stuckReason: "no inventory.stock.returned within 60000 ms" }];
    const [violation] = findViolations(audit).violations;
    expect(violation).toMatchObject({ rule: "cancellation.stuck", orderId: "o1", worker: "orders" });
    expect(violation!.message).toContain("CANCEL_STUCK: no inventory.stock.returned");
  });
});
