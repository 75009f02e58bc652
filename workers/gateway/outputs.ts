/**
 * The answers that are the gateway's own: those of its compositions (compose.ts), built from the
 * owners' schemas (their contract.ts). Each partial answer names in `degraded` the peers it was
 * given without, their parts left null; the document and the typed client describe that form too.
 */
import { z } from "zod";
import { productOutput } from "../catalog/contract";
import { stockOutput } from "../inventory/contract";
import { userOutput } from "../users/contract";
import { orderOutput, ordersOutput } from "../orders/contract";
import { customerReportOutput } from "../reporting/contract";

/** The peers a partial answer was made without (their parts null): empty when the answer is whole. */
const degradedBy = <const Peers extends readonly [string, ...string[]]>(peers: Peers) =>
  z.array(z.enum(peers)).describe("The peers this answer was made without (their parts are null); empty when it is whole");

/** A product with its stock; without inventory, `stock: null` and `degraded: ["inventory"]`. */
export const productWithStockOutput = productOutput.extend({
  stock: stockOutput.nullable().describe("null when inventory did not answer (degraded names it)"),
  degraded: degradedBy(["inventory"]),
});

/**
 * Who the customer is, the first page of their orders (20, newest first; its nextCursor continues at
 * GET /api/customers/:id/orders) and their totals; without orders or reporting, that part is null and named in `degraded`.
 */
export const customerSummaryOutput = z.strictObject({
  customer: userOutput,
  orders: ordersOutput
    .nullable()
    .describe("The first page of the customer's orders (newest first; pass nextCursor to the orders list for more); null when orders did not answer (degraded names it)"),
  stats: customerReportOutput
    .nullable()
    .describe(
      "The customer's totals (orders, spent, cancelled, refunded): reporting's per-customer running row, kept as events arrive, not summed over the orders; null when reporting did not answer (degraded names it)",
    ),
  degraded: degradedBy(["orders", "reporting"]),
});

/** One worker's readiness as its /health/ready says, with the worker's own facts beside (its loops, backup, process). */
export const workerHealthOutput = z.looseObject({
  ready: z.boolean(),
  url: z.string(),
  /** Why the probe got no answer (absent when it got one). */
  error: z.enum(["timeout", "unreachable"]).optional(),
});
export type WorkerHealth = z.infer<typeof workerHealthOutput>;

/** Every peer's readiness; always answered: a worker down or slow is `ready: false` and named in `degraded`. */
export const meshHealthOutput = z.strictObject({
  ready: z.boolean(),
  workers: z.record(z.string(), workerHealthOutput),
  degraded: z.array(z.string()).describe("The workers not ready"),
});

/** POST /api/orders answers 201 with the order once its saga has ended… */
export const endedOrderOutput = orderOutput.extend({ status: z.enum(["CONFIRMED", "REJECTED"]) });
/** …and 202 with it while it is still PENDING (its Location to poll). */
export const pendingOrderOutput = orderOutput.extend({ status: z.literal("PENDING") });
/** POST /api/orders/:id/cancel answers 202 with the order CANCELLING (CANCELLED once done, to a repeat with the same key). */
export const cancellingOrderOutput = orderOutput.extend({ status: z.enum(["CANCELLING", "CANCELLED"]) });
