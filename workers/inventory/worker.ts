/** inventory: owns the stock levels and reservations (inventory.db); never oversells; commits a confirmed order's stock and takes back a cancelled order's units. */
import { createWorker } from "../../shared/worker/worker";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { inbox, outbox } from "./schema";
import { inventoryRouter } from "./router";
import { prepareInventoryQueries } from "./queries";
import type { InventoryContext, InventoryDeps } from "./deps";

export function createInventoryWorker(deps: InventoryDeps) {
  const queries = prepareInventoryQueries(deps.db);
  const consumer = { name: ordersConsumerName, owner: "orders", handlers: ordersHandlers(queries, deps.now), maxDeliver: deps.maxDeliver };
  return createWorker({
    name: "inventory",
    router: inventoryRouter,
    deps,
    outbox,
    inbox,
    consumers: [consumer],
    context: (): InventoryContext => ({ ...deps, queries }),
  });
}
