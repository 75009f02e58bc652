/**
 * The answers that are the gateway's own: those of its compositions (compose.ts), built from the
 * owners' schemas (their contract.ts). Each partial answer names in `degraded` the peers it was
 * given without, their parts left null; the document and the typed client describe that form too.
 */
import { z } from "zod";
import { productOutput } from "../catalog/contract";
import { stockOutput } from "../inventory/contract";
import { userOutput } from "../users/contract";
import { ordersOutput } from "../orders/contract";
import { customerReportOutput } from "../reporting/contract";

/** A product with its stock; without inventory, `stock: null` and `degraded: ["inventory"]`. */
export const productWithStockOutput = productOutput.extend({ stock: stockOutput.nullable(), degraded: z.array(z.enum(["inventory"])) });

/** Who the customer is, their orders and their stats; without orders or reporting, that part is null and named in `degraded`. */
export const customerSummaryOutput = z.strictObject({
  customer: userOutput,
  orders: ordersOutput.nullable(),
  stats: customerReportOutput.nullable(),
  degraded: z.array(z.enum(["orders", "reporting"])),
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
export const meshHealthOutput = z.strictObject({ ready: z.boolean(), workers: z.record(z.string(), workerHealthOutput), degraded: z.array(z.string()) });
