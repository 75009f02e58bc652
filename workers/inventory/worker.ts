/** inventory: owns the stock levels and reservations (inventory.db); never oversells. */
import { createWorker } from "../../shared/worker";
import { outbox } from "./schema";
import { inventoryRouter } from "./router";
import type { InventoryDeps } from "./deps";

export function createInventoryWorker(deps: InventoryDeps) {
  return createWorker({ name: "inventory", router: inventoryRouter, deps, outbox });
}
