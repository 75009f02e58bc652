/** inventory: owns the stock levels and reservations (inventory.db); never oversells; takes back a cancelled order's units. */
import { createWorker } from "../../shared/worker/worker";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { inbox, outbox } from "./schema";
import { inventoryRouter } from "./router";
import { prepareInventoryQueries } from "./queries";
import type { InventoryContext, InventoryDeps } from "./deps";

export function createInventoryWorker(deps: InventoryDeps) {
  const consumer = { name: ordersConsumerName, owner: "orders", handlers: ordersHandlers(deps.now), maxDeliver: deps.maxDeliver };
  return createWorker({
    name: "inventory",
    router: inventoryRouter,
    deps,
    outbox,
    inbox,
    consumers: [consumer],
    context: (): InventoryContext => ({ ...deps, queries: prepareInventoryQueries(deps.db) }),
  });
}
