/** payments: owns credit limits and each order's payment (payments.db); never authorizes beyond the limit. */
import { createWorker } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import { paymentsRouter } from "./router";
import type { PaymentsDb } from "./service";

export interface PaymentsDeps {
  db: PaymentsDb;
  logger: Logger;
  now: () => Date;
}

export function createPaymentsWorker(deps: PaymentsDeps) {
  return createWorker({ name: "payments", router: paymentsRouter, deps, logger: deps.logger });
}
