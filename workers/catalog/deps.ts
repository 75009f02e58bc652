/** What catalog is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker but its tables. */
import type { WorkerDb } from "../../shared/db/db";
import type { WorkerBaseDeps } from "../../shared/worker/worker";
import type * as schema from "./schema";
import type { CatalogQueries } from "./queries";
import type { ReadModelGate } from "../../shared/events/read-model";

export type CatalogDb = WorkerDb<typeof schema>;

export interface CatalogDeps extends WorkerBaseDeps {
  db: CatalogDb;
  now: () => Date;
}

/** What procedures see: the deps plus the worker's prepared queries and the gate of its `in_stock` copy. */
export interface CatalogContext extends CatalogDeps {
  queries: CatalogQueries;
  /** Reads showing `inStock` (inventory's levels, copied from its events) go through it to honour a consistency token. */
  readModel: ReadModelGate;
}
