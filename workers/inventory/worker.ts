/** inventory: owns the stock levels and reservations (inventory.db); never oversells. */
import { createWorker, type WorkerLoop } from "../../shared/worker";
import { createOutboxRelay } from "../../shared/events/relay";
import { outbox } from "./schema";
import { inventoryRouter } from "./router";
import type { InventoryDeps } from "./deps";

export function createInventoryWorker(deps: InventoryDeps) {
  const loops: WorkerLoop[] = [];
  if (deps.nats) {
    // The connection first: loops stop in reverse, so the relay stops before the connection closes.
    loops.push(deps.nats, createOutboxRelay({ db: deps.db, outbox, owner: "inventory", nats: deps.nats, logger: deps.logger }));
  }
  return createWorker({ name: "inventory", router: inventoryRouter, deps, logger: deps.logger, loops, identity: deps.identity, bodyLimitBytes: deps.bodyLimitBytes });
}
