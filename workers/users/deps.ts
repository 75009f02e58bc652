/** What users is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker but its tables. */
import type { WorkerDb } from "../../shared/db/db";
import type { WorkerBaseDeps } from "../../shared/worker/worker";
import type * as schema from "./schema";
import type { UsersQueries } from "./queries";

export type UsersDb = WorkerDb<typeof schema>;

export interface UsersDeps extends WorkerBaseDeps {
  db: UsersDb;
  now: () => Date;
}

/** What procedures see: the deps plus the worker's prepared query. */
export interface UsersContext extends UsersDeps {
  queries: UsersQueries;
}
