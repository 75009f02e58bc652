/** reporting: CQRS read models (sales, customers, revenue per day) built only from events. */
import { createWorker, type WorkerLoop, type WorkerSecurity } from "../../shared/worker";
import type { Logger } from "../../shared/logger";
import type { NatsConnectionLoop } from "../../shared/events/nats";
import { createEventConsumer } from "../../shared/events/consumer";
import { createEventTablePruner } from "../../shared/events/prune";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { rebuildReadModels } from "./rebuild";
import { inbox } from "./schema";
import type { ReportingDb } from "./service";
import { reportingRouter } from "./router";

export interface ReportingDeps extends WorkerSecurity {
  db: ReportingDb;
  logger: Logger;
  now: () => Date;
  /** The bus; without it (in-process tests) the read models only change through tests. */
  nats?: NatsConnectionLoop;
  maxDeliver?: number;
  /** Set by the worker when it has a bus. */
  rebuild?: () => Promise<{ replayed: number; tookMs: number }>;
}

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
