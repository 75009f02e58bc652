/** What users is built from (main.ts or a test passes it in): a leaf, importing nothing of the worker but its tables. */
import type { WorkerDb } from "../../shared/db";
import type { WorkerBaseDeps } from "../../shared/worker";
import type * as schema from "./schema";

export type UsersDb = WorkerDb<typeof schema>;

export interface UsersDeps extends WorkerBaseDeps {
  db: UsersDb;
  now: () => Date;
}
