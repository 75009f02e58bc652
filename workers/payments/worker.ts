/** payments: owns credit limits and each order's payment (payments.db); never authorizes beyond the limit; refunds cancelled orders. */
import { createWorker } from "../../shared/worker/worker";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { inbox, outbox } from "./schema";
import { paymentsRouter } from "./router";
import { preparePaymentsQueries } from "./queries";
import type { PaymentsContext, PaymentsDeps } from "./deps";

export function createPaymentsWorker(deps: PaymentsDeps) {
  const consumer = { name: ordersConsumerName, owner: "orders", handlers: ordersHandlers(deps.now), maxDeliver: deps.maxDeliver };
  return createWorker({
    name: "payments",
    router: paymentsRouter,
    deps,
    outbox,
    inbox,
    consumers: [consumer],
    context: (): PaymentsContext => ({ ...deps, queries: preparePaymentsQueries(deps.db) }),
  });
}
