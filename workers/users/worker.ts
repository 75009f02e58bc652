/** users: owns the user accounts (users.db) and answers who a customer is. */
import { createWorker } from "../../shared/worker";
import { usersRouter } from "./router";
import { outbox } from "./schema";
import type { UsersDeps } from "./deps";

export function createUsersWorker(deps: UsersDeps) {
  return createWorker({ name: "users", router: usersRouter, deps, outbox });
}
