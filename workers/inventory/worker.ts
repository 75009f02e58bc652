/** inventory: owns the stock levels and reservations (inventory.db); never oversells. */
import { createWorker } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import { inventoryRouter } from "./router";
import type { InventoryDb } from "./service";

export interface InventoryDeps {
  db: InventoryDb;
  logger: Logger;
  now: () => Date;
}

export function createInventoryWorker(deps: InventoryDeps) {
  return createWorker({ name: "inventory", router: inventoryRouter, deps, logger: deps.logger });
}
