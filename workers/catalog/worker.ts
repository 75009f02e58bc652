/** catalog: owns the products (catalog.db), their prices and attributes, and searches them. */
import { createWorker, type WorkerLoop, type WorkerSecurity } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import type { NatsConnectionLoop } from "../../shared/events/nats";
import { createOutboxRelay } from "../../shared/events/relay";
import { createEventConsumer } from "../../shared/events/consumer";
import { stockConsumerName, stockHandlers } from "./consumers";
import { inbox, outbox } from "./schema";
import { catalogRouter } from "./router";
import type { CatalogDb } from "./service";

export interface CatalogDeps extends WorkerSecurity {
  db: CatalogDb;
  logger: Logger;
  now: () => Date;
  /** The bus; without it (in-process tests) events wait in the outbox. */
  nats?: NatsConnectionLoop;
}

export function createCatalogWorker(deps: CatalogDeps) {
  const loops: WorkerLoop[] = [];
  if (deps.nats) {
    // The connection first: loops stop in reverse, so the relay stops before the connection closes.
    loops.push(
      deps.nats,
      createOutboxRelay({ db: deps.db, outbox, inbox, owner: "catalog", nats: deps.nats, logger: deps.logger }),
      createEventConsumer({ db: deps.db, inbox, name: stockConsumerName, owner: "inventory", handlers: stockHandlers, nats: deps.nats, logger: deps.logger }),
    );
  }
  return createWorker({ name: "catalog", router: catalogRouter, deps, logger: deps.logger, loops, identity: deps.identity, bodyLimitBytes: deps.bodyLimitBytes });
}
