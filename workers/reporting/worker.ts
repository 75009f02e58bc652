/** reporting: CQRS read models (sales, customers, revenue per day) built only from events. */
import { createWorker } from "../../shared/worker/worker";
import { createEventTablePruner } from "../../shared/events/prune";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { rebuildReadModels } from "./rebuild";
import { inbox } from "./schema";
import { reportingRouter } from "./router";
import type { ReportingDeps } from "./deps";

export function createReportingWorker(deps: ReportingDeps) {
  return createWorker({
    name: "reporting",
    router: reportingRouter,
    deps,
    inbox,
    consumers: [{ name: ordersConsumerName, owner: "orders", handlers: ordersHandlers(() => deps.now().getTime()), maxDeliver: deps.maxDeliver }],
    // No outbox, so no relay prunes the inbox: a pruner of its own does.
    loops: [createEventTablePruner({ db: deps.db, inbox, logger: deps.logger })],
    context: ({ consumers }): ReportingDeps => {
      const consumer = consumers[ordersConsumerName];
      return consumer ? { ...deps, rebuild: () => rebuildReadModels(deps.db, consumer, ordersConsumerName) } : deps;
    },
  });
}
