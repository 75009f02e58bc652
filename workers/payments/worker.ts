/** payments: owns credit limits and each order's payment (payments.db); never authorizes beyond the limit. */
import { createWorker, type WorkerLoop, type WorkerSecurity } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import type { NatsConnectionLoop } from "../../shared/events/nats";
import { createOutboxRelay } from "../../shared/events/relay";
import { outbox } from "./schema";
import { paymentsRouter } from "./router";
import type { PaymentsDb } from "./service";

export interface PaymentsDeps extends WorkerSecurity {
  db: PaymentsDb;
  logger: Logger;
  now: () => Date;
  /** The bus; without it (in-process tests) events wait in the outbox. */
  nats?: NatsConnectionLoop;
}

export function createPaymentsWorker(deps: PaymentsDeps) {
  const loops: WorkerLoop[] = [];
  if (deps.nats) {
    // The connection first: loops stop in reverse, so the relay stops before the connection closes.
    loops.push(deps.nats, createOutboxRelay({ db: deps.db, outbox, owner: "payments", nats: deps.nats, logger: deps.logger }));
  }
  return createWorker({ name: "payments", router: paymentsRouter, deps, logger: deps.logger, loops, identity: deps.identity, bodyLimitBytes: deps.bodyLimitBytes });
}
