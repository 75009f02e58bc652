/** payments: owns credit limits and each order's payment (payments.db); never authorizes beyond the limit. */
import { createWorker } from "../../shared/worker";
import { outbox } from "./schema";
import { paymentsRouter } from "./router";
import type { PaymentsDeps } from "./deps";

export function createPaymentsWorker(deps: PaymentsDeps) {
  return createWorker({ name: "payments", router: paymentsRouter, deps, outbox });
}
