/** orders: owns the orders (orders.db), runs each order's saga across inventory and payments, and follows their cancellations. */
import { createWorker } from "../../shared/worker/worker";
import { ordersRouter } from "./router";
import { createSagaEngine } from "./saga-runner";
import { createOrdersStore } from "./store";
import { stuckCancellations } from "./cancel";
import { inventoryConsumerName, inventoryHandlers, paymentsConsumerName, paymentsHandlers } from "./consumers";
import type { OrdersContext, OrdersDeps } from "./deps";
import { idempotencyKeys, inbox, outbox } from "./schema";

export function createOrdersWorker(deps: OrdersDeps) {
  const store = createOrdersStore(deps.db);
  const sagas = createSagaEngine({ ...deps, store });
  const { maxDeliver } = deps;
  const consumers = [
    { name: inventoryConsumerName, owner: "inventory", handlers: inventoryHandlers(deps.now), maxDeliver },
    { name: paymentsConsumerName, owner: "payments", handlers: paymentsHandlers(deps.now), maxDeliver },
  ];
  // The sweeper is the worker's own loop, so it stops first: running sagas finish while the relay can still publish.
  const worker = createWorker({
    name: "orders",
    router: ordersRouter,
    deps,
    outbox,
    inbox,
    idempotencyKeys,
    consumers,
    loops: [sagas.sweeper],
    context: (): OrdersContext => ({ ...deps, store, sagas }),
  });
  worker.addHealth(() => stuckCancellations(store, deps.now(), deps.cancelStuckAfterMs));
  return worker;
}
