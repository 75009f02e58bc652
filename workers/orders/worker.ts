/** orders: owns the orders (orders.db) and runs each order's saga across inventory and payments. */
import { createWorker, type WorkerLoop } from "../../shared/worker";
import { createOutboxRelay } from "../../shared/events/relay";
import { ordersRouter } from "./router";
import { createSagaEngine } from "./saga-runner";
import { createOrdersStore } from "./store";
import type { OrdersContext, OrdersDeps } from "./deps";
import { outbox } from "./schema";

export function createOrdersWorker(deps: OrdersDeps) {
  const store = createOrdersStore(deps.db);
  const sagas = createSagaEngine({ ...deps, store });
  const context: OrdersContext = { ...deps, store, sagas };
  const loops: WorkerLoop[] = [];
  if (deps.nats) {
    // The connection first: loops stop in reverse, so the relay stops before the connection closes.
    loops.push(deps.nats, createOutboxRelay({ db: deps.db, outbox, owner: "orders", nats: deps.nats, logger: deps.logger }));
  }
  // The sweeper last: on stop it lets running sagas finish while the relay can still publish.
  loops.push(sagas.sweeper);
  return createWorker({ name: "orders", router: ordersRouter, deps: context, logger: deps.logger, loops, identity: deps.identity, bodyLimitBytes: deps.bodyLimitBytes });
}
