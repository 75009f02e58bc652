/** users: owns the user accounts (users.db) and answers who a customer is. */
import { createWorker, type WorkerLoop, type WorkerSecurity } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import type { NatsConnectionLoop } from "../../shared/events/nats";
import { createOutboxRelay } from "../../shared/events/relay";
import { usersRouter } from "./router";
import { outbox } from "./schema";
import type { UsersDb } from "./service";

export interface UsersDeps extends WorkerSecurity {
  db: UsersDb;
  logger: Logger;
  now: () => Date;
  /** The bus; without it (in-process tests) events wait in the outbox. */
  nats?: NatsConnectionLoop;
}

export function createUsersWorker(deps: UsersDeps) {
  const loops: WorkerLoop[] = [];
  if (deps.nats) {
    // The connection first: loops stop in reverse, so the relay stops before the connection closes.
    loops.push(deps.nats, createOutboxRelay({ db: deps.db, outbox, owner: "users", nats: deps.nats, logger: deps.logger }));
  }
  return createWorker({ name: "users", router: usersRouter, deps, logger: deps.logger, loops, identity: deps.identity, bodyLimitBytes: deps.bodyLimitBytes });
}
