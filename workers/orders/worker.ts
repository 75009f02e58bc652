/** orders: owns the orders (orders.db) and runs each order's saga across inventory and payments. */
import type { TRPCClient } from "@trpc/client";
import { createWorker, type WorkerLoop, type WorkerSecurity } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import type { NatsConnectionLoop } from "../../shared/events/nats";
import { createOutboxRelay } from "../../shared/events/relay";
import type { UsersRouter } from "../users/router";
import type { CatalogRouter } from "../catalog/router";
import type { InventoryRouter } from "../inventory/router";
import type { PaymentsRouter } from "../payments/router";
import type { FaultStep } from "./config";
import { ordersRouter } from "./router";
import { createSagaEngine, type SagaEngine, type SagaSettings } from "./saga";
import { outbox } from "./schema";
import type { OrdersDb } from "./service";

/** Typed clients to the four peers (built in main.ts with createPeerClient, or by a test). */
export interface OrdersPeers {
  users: TRPCClient<UsersRouter>;
  catalog: TRPCClient<CatalogRouter>;
  inventory: TRPCClient<InventoryRouter>;
  payments: TRPCClient<PaymentsRouter>;
}

export interface OrdersDeps extends WorkerSecurity {
  db: OrdersDb;
  logger: Logger;
  now: () => Date;
  peers: OrdersPeers;
  /** How long `place` waits for the saga to end before answering `completed: false`. */
  orderWaitMs: number;
  saga: SagaSettings;
  /** Fault injection for crash tests: called right after a step's result is persisted. */
  afterStep?: (step: FaultStep) => void;
  /** The bus; without it (in-process tests) events wait in the outbox. */
  nats?: NatsConnectionLoop;
}

/** What procedures see: the deps plus the saga engine the worker runs. */
export interface OrdersContext extends OrdersDeps {
  sagas: SagaEngine;
}

export function createOrdersWorker(deps: OrdersDeps) {
  const sagas = createSagaEngine(deps);
  const context: OrdersContext = { ...deps, sagas };
  const loops: WorkerLoop[] = [];
  if (deps.nats) {
    // The connection first: loops stop in reverse, so the relay stops before the connection closes.
    loops.push(deps.nats, createOutboxRelay({ db: deps.db, outbox, owner: "orders", nats: deps.nats, logger: deps.logger }));
  }
  // The sweeper last: on stop it lets running sagas finish while the relay can still publish.
  loops.push(sagas.sweeper);
  return createWorker({ name: "orders", router: ordersRouter, deps: context, logger: deps.logger, loops, identity: deps.identity, bodyLimitBytes: deps.bodyLimitBytes });
}
