/** What catalog is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker but its tables. */
import type { WorkerDb } from "../../shared/db/db";
import type { WorkerBaseDeps } from "../../shared/worker/worker";
import type * as schema from "./schema";
import type { CatalogQueries } from "./queries";

export type CatalogDb = WorkerDb<typeof schema>;

export interface CatalogDeps extends WorkerBaseDeps {
  db: CatalogDb;
  now: () => Date;
}

/** What procedures see: the deps plus the worker's prepared queries. */
export interface CatalogContext extends CatalogDeps {
  queries: CatalogQueries;
}
