/** payments: owns credit limits and each order's payment (payments.db); never authorizes beyond the limit; captures confirmed orders; refunds cancelled orders. */
import { createWorker } from "../../shared/worker/worker";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { inbox, outbox } from "./schema";
import { paymentsRouter } from "./router";
import { preparePaymentsQueries } from "./queries";
import type { PaymentsContext, PaymentsDeps } from "./deps";

export function createPaymentsWorker(deps: PaymentsDeps) {
  const queries = preparePaymentsQueries(deps.db);
  const consumer = { name: ordersConsumerName, owner: "orders", handlers: ordersHandlers(queries, deps.now), maxDeliver: deps.maxDeliver };
  return createWorker({
    name: "payments",
    router: paymentsRouter,
    deps,
    outbox,
    inbox,
    consumers: [consumer],
    context: (): PaymentsContext => ({ ...deps, queries }),
  });
}
