/** payments: owns credit limits and each order's payment (payments.db); never authorizes beyond the limit. */
import { createWorker, type WorkerLoop } from "../../shared/worker";
import { createOutboxRelay } from "../../shared/events/relay";
import { outbox } from "./schema";
import { paymentsRouter } from "./router";
import type { PaymentsDeps } from "./deps";

export function createPaymentsWorker(deps: PaymentsDeps) {
  const loops: WorkerLoop[] = [];
  if (deps.nats) {
    // The connection first: loops stop in reverse, so the relay stops before the connection closes.
    loops.push(deps.nats, createOutboxRelay({ db: deps.db, outbox, owner: "payments", nats: deps.nats, logger: deps.logger }));
  }
  return createWorker({ name: "payments", router: paymentsRouter, deps, logger: deps.logger, loops, identity: deps.identity, bodyLimitBytes: deps.bodyLimitBytes });
}
