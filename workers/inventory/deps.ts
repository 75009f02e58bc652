/** What inventory is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker but its tables. */
import type { WorkerDb } from "../../shared/db/db";
import type { WorkerBaseDeps } from "../../shared/worker/worker";
import type * as schema from "./schema";
import type { InventoryQueries } from "./queries";

export type InventoryDb = WorkerDb<typeof schema>;

export interface InventoryDeps extends WorkerBaseDeps {
  db: InventoryDb;
  now: () => Date;
  /** Deliveries of a cancellation that cannot be applied before it goes to the dead letters (default 5). */
  maxDeliver?: number;
}

/** What procedures see: the deps plus the worker's prepared order-path statements. */
export interface InventoryContext extends InventoryDeps {
  queries: InventoryQueries;
}
