/** inventory: owns the stock levels and reservations (inventory.db); never oversells. */
import { createWorker, type WorkerLoop, type WorkerSecurity } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import type { NatsConnectionLoop } from "../../shared/events/nats";
import { createOutboxRelay } from "../../shared/events/relay";
import { outbox } from "./schema";
import { inventoryRouter } from "./router";
import type { InventoryDb } from "./service";

export interface InventoryDeps extends WorkerSecurity {
  db: InventoryDb;
  logger: Logger;
  now: () => Date;
  /** The bus; without it (in-process tests) events wait in the outbox. */
  nats?: NatsConnectionLoop;
}

export function createInventoryWorker(deps: InventoryDeps) {
  const loops: WorkerLoop[] = [];
  if (deps.nats) {
    // The connection first: loops stop in reverse, so the relay stops before the connection closes.
    loops.push(deps.nats, createOutboxRelay({ db: deps.db, outbox, owner: "inventory", nats: deps.nats, logger: deps.logger }));
  }
  return createWorker({ name: "inventory", router: inventoryRouter, deps, logger: deps.logger, loops, identity: deps.identity, bodyLimitBytes: deps.bodyLimitBytes });
}
