/**
 * users' hot read (the saga's check of the customer), prepared once per worker (createUsersWorker
 * builds it on its DB and hands it to the procedures): Drizzle would otherwise build its SQL and
 * look up its statement on every call. Imports only the tables.
 */
import { eq, sql } from "drizzle-orm";
import type { WorkerDb } from "../../shared/db/db";
import { users } from "./schema";
import type * as schema from "./schema";

export function prepareUsersQueries(db: WorkerDb<typeof schema>) {
  return {
    userById: db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder("id")))
      .prepare(),
  };
}

export type UsersQueries = ReturnType<typeof prepareUsersQueries>;
