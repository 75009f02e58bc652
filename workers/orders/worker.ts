/** orders: owns the orders (orders.db) and runs each order's saga across inventory and payments. */
import { createWorker } from "../../shared/worker";
import { ordersRouter } from "./router";
import { createSagaEngine } from "./saga-runner";
import { createOrdersStore } from "./store";
import type { OrdersContext, OrdersDeps } from "./deps";
import { outbox } from "./schema";

export function createOrdersWorker(deps: OrdersDeps) {
  const store = createOrdersStore(deps.db);
  const sagas = createSagaEngine({ ...deps, store });
  // The sweeper is the worker's own loop, so it stops first: running sagas finish while the relay can still publish.
  return createWorker({ name: "orders", router: ordersRouter, deps, outbox, loops: [sagas.sweeper], context: (): OrdersContext => ({ ...deps, store, sagas }) });
}
