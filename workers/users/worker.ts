/** users: owns the user accounts (users.db) and answers who a customer is. */
import { createWorker } from "../../shared/worker/worker";
import { usersRouter } from "./router";
import { idempotencyKeys, outbox } from "./schema";
import { prepareUsersQueries } from "./queries";
import type { UsersContext, UsersDeps } from "./deps";

export function createUsersWorker(deps: UsersDeps) {
  return createWorker({ name: "users", router: usersRouter, deps, outbox, idempotencyKeys, context: (): UsersContext => ({ ...deps, queries: prepareUsersQueries(deps.db) }) });
}
