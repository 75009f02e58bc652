/** orders: owns the orders (orders.db) and runs each order's saga across inventory and payments. */
import { createWorker } from "../../shared/worker";
import { ordersRouter } from "./router";
import { createSagaEngine } from "./saga";
import type { OrdersContext, OrdersDeps } from "./deps";
import { outbox } from "./schema";

export function createOrdersWorker(deps: OrdersDeps) {
  const sagas = createSagaEngine(deps);
  // The sweeper is the worker's own loop, so it stops first: running sagas finish while the relay can still publish.
  return createWorker({ name: "orders", router: ordersRouter, deps, outbox, loops: [sagas.sweeper], context: (): OrdersContext => ({ ...deps, sagas }) });
}
