/**
 * What the fault suite finds once the faults stop: every order's end (orders' audit), the
 * invariants `mesh check` reports, the counts that must be zero, and the final states by reason,
 * with the peer_unavailable rejections of orders that stock and credit allowed.
 */
import { bunBin, runToEnd, testIdentity, waitFor } from "../support/processes";
import type { TestMesh } from "../support/mesh";
import type { FaultShop } from "./shop";

/** What the verdict needs of a mesh: where its workers answer, and a DATA_DIR for the check CLI. */
export type MeshView = Pick<TestMesh, "url" | "dataDir">;

export interface AuditOrder {
  id: string;
  customerId: string;
  status: string;
  rejectionReason: string | null;
  lines: { productId: string; quantity: number }[];
}

export interface Audit {
  orders: AuditOrder[];
  unfinishedSagas: unknown[];
}

export interface CheckReport {
  ok: boolean;
  checked: Record<string, number>;
  violations: { rule: string; found: unknown }[];
}

/** Orders' audit once no order is PENDING or CANCELLING (undefined if some still are after 3 minutes). */
export async function settledAudit(mesh: MeshView): Promise<Audit | undefined> {
  return waitFor(
    "every order CONFIRMED or REJECTED",
    async () => {
      const response = await fetch(`${mesh.url("orders")}/trpc/audit`, { headers: await testIdentity("operator").headersFor("orders")() });
      const audit = ((await response.json()) as any).result.data as Audit;
      return audit.orders.every((order) => order.status !== "PENDING" && order.status !== "CANCELLING") ? audit : undefined;
    },
    180_000,
  ).catch(() => undefined);
}

/** `npm run mesh -- check --json` against the running mesh; `--settle 0`: every confirmed order's commit and capture done (within the wait). */
export async function meshCheck(mesh: MeshView): Promise<{ code: number | null; output: string; report: CheckReport }> {
  const urls = (["inventory", "payments", "orders", "reporting"] as const).flatMap((name) => ["--url", `${name}=${mesh.url(name)}`]);
  const checked = await runToEnd(bunBin, ["run", "shared/mesh/cli.ts", "check", "--json", "--wait", "120", "--settle", "0", ...urls], { DATA_DIR: mesh.dataDir });
  return { ...checked, report: JSON.parse(checked.output.slice(checked.output.indexOf("{"))) as CheckReport };
}

/** The counts that must be zero, by what they mean. */
export function mustBeZero(acknowledged: Set<string>, audit: Audit | undefined, report: CheckReport, cancelled: Set<string> = new Set()): Record<string, number> {
  const known = new Set((audit?.orders ?? []).map((order) => order.id));
  const counted = new Set<string>();
  const count = (rules: string[], filter: (violation: { rule: string; found: unknown }) => boolean = () => true) => {
    for (const rule of rules) counted.add(rule);
    return report.violations.filter((violation) => rules.includes(violation.rule) && filter(violation)).length;
  };
  const capturedMoreThanOnce = (violation: { found: unknown }) => /^[2-9]\d* captured/.test(String(violation.found));
  const refundedMoreThanOnce = (violation: { found: unknown }) => /^([2-9]|\d{2,}) refunds/.test(String(violation.found));
  const statusOf = new Map((audit?.orders ?? []).map((order) => [order.id, order.status]));
  const zeroes: Record<string, number> = {
    "lost orders (acknowledged, unknown to orders)": [...acknowledged].filter((id) => !known.has(id)).length,
    "orders not CONFIRMED or REJECTED": audit ? audit.orders.filter((order) => order.status === "PENDING").length : -1,
    "oversold or negative stock": count(["stock.oversold", "stock.negative"]),
    "reserved counts not matching reservations": count(["stock.reserved_mismatch"]),
    "double captures": count(["order.capture_count"], capturedMoreThanOnce),
    "confirmed orders without capture or committed stock": count(
      ["order.capture_count", "order.capture_missing", "order.capture_amount", "order.commit_missing", "order.committed_lines"],
      (v) => !capturedMoreThanOnce(v),
    ),
    "rejected orders holding stock or credit": count(["order.rejected_holds_authorization", "order.rejected_captured", "order.rejected_stock_committed"]),
    "orphan reservations or payments": count(["reservation.orphan", "reservation.left_by_finished_order", "payment.orphan"]),
    "unfinished sagas": count(["saga.past_deadline"]) + (audit?.unfinishedSagas.length ?? 0),
    "reporting mismatches": count(["reporting.totals", "reporting.product", "reporting.customer"]),
    "double refunds": count(["cancellation.refund_count"], refundedMoreThanOnce) + count(["refund.exceeds_capture"]),
    "cancelled orders without their refund or units back": count(
      ["cancellation.refund_count", "cancellation.refund_amount", "cancellation.stock_not_returned"],
      (v) => !refundedMoreThanOnce(v),
    ),
    "refunds or returns of orders not cancelled": count(["refund.without_cancellation", "return.without_cancellation"]),
    "accepted cancellations not CANCELLED": [...cancelled].filter((id) => statusOf.get(id) !== "CANCELLED").length,
    "stuck cancellations": count(["cancellation.stuck"]) + (audit?.orders.filter((order) => order.status === "CANCELLING").length ?? 0),
  };
  zeroes["other violations"] = report.violations.filter((violation) => !counted.has(violation.rule)).length;
  return zeroes;
}

export interface Outcomes {
  /** "CONFIRMED", "REJECTED <reason>", … → orders. */
  byState: Record<string, number>;
  /** Orders of an ample customer for ample products only: stock and credit allowed them. */
  ample: number;
  ampleConfirmed: number;
  amplePeerUnavailable: number;
}

export function outcomesOf(orders: AuditOrder[], shop: FaultShop): Outcomes {
  const byState: Record<string, number> = {};
  const outcomes: Outcomes = { byState, ample: 0, ampleConfirmed: 0, amplePeerUnavailable: 0 };
  for (const order of orders) {
    const state = order.status === "REJECTED" ? `REJECTED ${order.rejectionReason ?? "(no reason)"}` : order.status;
    byState[state] = (byState[state] ?? 0) + 1;
    if (
      !shop.isAmple(
        order.customerId,
        order.lines.map((line) => line.productId),
      )
    )
      continue;
    outcomes.ample += 1;
    if (order.status === "CONFIRMED") outcomes.ampleConfirmed += 1;
    if (order.status === "REJECTED" && order.rejectionReason === "peer_unavailable") outcomes.amplePeerUnavailable += 1;
  }
  return outcomes;
}
