/**
 * The shapes of the invariant checker's input and output: what each owning worker reports through
 * its admin `audit` query, and the violations found. Declared here, not imported, because
 * `shared/` never imports from `workers/`; a leaf, so the rule files import it without a cycle.
 */

export interface InventoryAudit {
  stock: { productId: string; onHand: number; reserved: number }[];
  reservations: { orderId: string; status: string; lines: { productId: string; quantity: number }[] }[];
  /** Cancelled orders whose units went back on hand (absent from an inventory before cancellations). */
  returns?: { orderId: string }[];
}

export interface PaymentsAudit {
  payments: { orderId: string; customerId: string; amountCents: number; status: string }[];
  /** Refunds of cancelled orders (absent from a payments before cancellations). */
  refunds?: { orderId: string; customerId: string; amountCents: number }[];
}

export interface AuditedOrder {
  id: string;
  customerId: string;
  status: string;
  totalCents: number;
  lines: { productId: string; unitPriceCents: number; quantity: number }[];
  /** When the order last changed (for a CONFIRMED one, its confirmation): the settle window runs from it. */
  updatedAt?: string;
}

export interface OrdersAudit {
  /** orders' clock when it answered: deadlines are judged by it. */
  now: string;
  orders: AuditedOrder[];
  unfinishedSagas: { orderId: string; state: string; step: string | null; deadlineAt: string; lastError: string | null }[];
  /** Every cancellation; `stuckReason` set when still open past orders' CANCEL_STUCK_AFTER_MS. */
  cancellations?: { orderId: string; requestedAt: string; stuckReason: string | null }[];
}

export interface ReportingAudit {
  totals: { orders: number; units: number; revenueCents: number };
  products: { productId: string; units: number; revenueCents: number }[];
  customers: { customerId: string; orders: number; spentCents: number; cancelledOrders?: number; refundedCents?: number }[];
}

export interface MeshAudit {
  inventory: InventoryAudit;
  payments: PaymentsAudit;
  orders: OrdersAudit;
  /** Absent when reporting is not part of the mesh: its rules are skipped. */
  reporting?: ReportingAudit;
}

export interface Violation {
  rule: string;
  /** The worker whose data breaks the rule (or disagrees with the owner of the truth). */
  worker: string;
  orderId?: string;
  productId?: string;
  customerId?: string;
  expected: string | number;
  found: string | number;
  message: string;
}

/** How the checker judges what is still in flight. */
export interface CheckSettings {
  /**
   * A confirmed order younger than this (by orders' clock) may still wait for inventory to commit
   * and payments to capture it (they do so on orders.order.confirmed): its RESERVED reservation
   * and AUTHORIZED payment are not yet named commit_missing / capture_missing.
   */
  settleMs: number;
}

export interface CheckResult {
  ok: boolean;
  checked: Record<string, number>;
  skipped: string[];
  violations: Violation[];
}
