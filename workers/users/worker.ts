/** users: owns the user accounts (users.db) and answers who a customer is. */
import { createWorker } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import { usersRouter } from "./router";
import type { UsersDb } from "./service";

export interface UsersDeps {
  db: UsersDb;
  logger: Logger;
  now: () => Date;
}

export function createUsersWorker(deps: UsersDeps) {
  return createWorker({ name: "users", router: usersRouter, deps, logger: deps.logger });
}
