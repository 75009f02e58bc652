/** users: owns the user accounts (users.db) and answers who a customer is. */
import { createWorker, type WorkerLoop } from "../../shared/worker";
import { createOutboxRelay } from "../../shared/events/relay";
import { usersRouter } from "./router";
import { outbox } from "./schema";
import type { UsersDeps } from "./deps";

export function createUsersWorker(deps: UsersDeps) {
  const loops: WorkerLoop[] = [];
  if (deps.nats) {
    // The connection first: loops stop in reverse, so the relay stops before the connection closes.
    loops.push(deps.nats, createOutboxRelay({ db: deps.db, outbox, owner: "users", nats: deps.nats, logger: deps.logger }));
  }
  return createWorker({ name: "users", router: usersRouter, deps, logger: deps.logger, loops, identity: deps.identity, bodyLimitBytes: deps.bodyLimitBytes });
}
