/** catalog: owns the products (catalog.db), their prices and attributes, and searches them. */
import { createWorker } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import { catalogRouter } from "./router";
import type { CatalogDb } from "./service";

export interface CatalogDeps {
  db: CatalogDb;
  logger: Logger;
  now: () => Date;
}

export function createCatalogWorker(deps: CatalogDeps) {
  return createWorker({ name: "catalog", router: catalogRouter, deps, logger: deps.logger });
}
