/** catalog: owns the products (catalog.db), their prices and attributes, and searches them. */
import { createWorker, type WorkerLoop } from "../../shared/worker";
import { createOutboxRelay } from "../../shared/events/relay";
import { createEventConsumer } from "../../shared/events/consumer";
import { stockConsumerName, stockHandlers } from "./consumers";
import { inbox, outbox } from "./schema";
import { catalogRouter } from "./router";
import type { CatalogDeps } from "./deps";

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
