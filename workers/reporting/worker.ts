/** reporting: CQRS read models (sales, customers, revenue per day) built only from events. */
import { createWorker, type WorkerLoop } from "../../shared/worker";
import { createEventConsumer } from "../../shared/events/consumer";
import { createEventTablePruner } from "../../shared/events/prune";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { rebuildReadModels } from "./rebuild";
import { inbox } from "./schema";
import { reportingRouter } from "./router";
import type { ReportingDeps } from "./deps";

export function createReportingWorker(deps: ReportingDeps) {
  const loops: WorkerLoop[] = [createEventTablePruner({ db: deps.db, inbox, logger: deps.logger })];
  const workerDeps: ReportingDeps = { ...deps };
  if (deps.nats) {
    const consumer = createEventConsumer({
      db: deps.db,
      inbox,
      name: ordersConsumerName,
      owner: "orders",
      handlers: ordersHandlers(() => deps.now().getTime()),
      nats: deps.nats,
      logger: deps.logger,
      maxDeliver: deps.maxDeliver,
    });
    loops.unshift(deps.nats);
    loops.push(consumer);
    workerDeps.rebuild = () => rebuildReadModels(deps.db, consumer, ordersConsumerName);
  }
  return createWorker({ name: "reporting", router: reportingRouter, deps: workerDeps, logger: deps.logger, loops, identity: deps.identity, bodyLimitBytes: deps.bodyLimitBytes });
}
