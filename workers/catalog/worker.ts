/** catalog: owns the products (catalog.db), their prices and attributes, and searches them. */
import { createWorker } from "../../shared/worker/worker";
import { stockConsumerName, stockHandlers } from "./consumers";
import { consumerPositions, idempotencyKeys, inbox, outbox } from "./schema";
import { catalogRouter } from "./router";
import { prepareCatalogQueries } from "./queries";
import type { CatalogContext, CatalogDeps } from "./deps";

export function createCatalogWorker(deps: CatalogDeps) {
  return createWorker({
    name: "catalog",
    router: catalogRouter,
    deps,
    outbox,
    inbox,
    idempotencyKeys,
    positions: consumerPositions,
    consumers: [{ name: stockConsumerName, owner: "inventory", handlers: stockHandlers }],
    context: ({ readModel }): CatalogContext => ({ ...deps, queries: prepareCatalogQueries(deps.db), readModel }),
  });
}
