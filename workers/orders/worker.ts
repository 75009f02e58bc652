/** orders: owns the orders (orders.db), runs each order's saga across inventory and payments, follows their cancellations, and keeps copies of customers and products from users' and catalog's events. */
import { createWorker, type WorkerParts } from "../../shared/worker/worker";
import { ordersRouter } from "./router";
import { createSagaEngine } from "./saga-runner";
import { createOrdersStore } from "./store";
import { finishedSagasRule } from "./saga-retention";
import { stuckCancellations } from "./cancel";
import { catalogConsumerName, catalogHandlers, inventoryConsumerName, inventoryHandlers, paymentsConsumerName, paymentsHandlers, usersConsumerName, usersHandlers } from "./consumers";
import type { OrdersContext, OrdersDeps } from "./deps";
import { consumerPositions, idempotencyKeys, inbox, outbox } from "./schema";

const copyConsumers = [usersConsumerName, catalogConsumerName];

/**
 * How stale the copies may be, for /health/ready: the lag of the users and catalog consumers (0
 * while both consume with nothing pending; else the time since the last event applied was
 * written), their stream positions, and whether both consume (without a bus, none does).
 */
function copiesHealth(parts: WorkerParts) {
  const consuming = copyConsumers.every((name) => parts.consumers[name]?.stats().consuming === true);
  return { copies: { ...parts.readModel.facts(copyConsumers), consuming } };
}

export function createOrdersWorker(deps: OrdersDeps) {
  const store = createOrdersStore(deps.db);
  const sagas = createSagaEngine({ ...deps, store });
  const { maxDeliver } = deps;
  const consumers = [
    { name: inventoryConsumerName, owner: "inventory", handlers: inventoryHandlers(deps.now), maxDeliver },
    { name: paymentsConsumerName, owner: "payments", handlers: paymentsHandlers(deps.now), maxDeliver },
    { name: usersConsumerName, owner: "users", handlers: usersHandlers(), maxDeliver },
    { name: catalogConsumerName, owner: "catalog", handlers: catalogHandlers(), maxDeliver },
  ];
  let parts: WorkerParts | undefined;
  // The sweeper is the worker's own loop, so it stops first: running sagas finish while the relay can still publish.
  const worker = createWorker({
    name: "orders",
    router: ordersRouter,
    deps,
    outbox,
    inbox,
    idempotencyKeys,
    positions: consumerPositions,
    consumers,
    retentionRules: [finishedSagasRule(deps.db, deps.saga.retentionMs)],
    loops: [sagas.sweeper],
    context: (made): OrdersContext => {
      parts = made;
      return { ...deps, store, sagas };
    },
  });
  worker.addHealth(() => stuckCancellations(store, deps.now(), deps.cancelStuckAfterMs));
  worker.addHealth(() => copiesHealth(parts!));
  return worker;
}
