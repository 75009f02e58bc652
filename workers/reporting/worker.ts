/** reporting: CQRS read models (sales, customers, revenue per day) built only from events. */
import { createWorker } from "../../shared/worker/worker";
import { ordersConsumerName, ordersHandlers } from "./consumers";
import { rebuildReadModels } from "./rebuild";
import { consumerPositions, inbox } from "./schema";
import { reportingRouter } from "./router";
import type { ReportingContext, ReportingDeps } from "./deps";

export function createReportingWorker(deps: ReportingDeps) {
  return createWorker({
    name: "reporting",
    router: reportingRouter,
    deps,
    inbox,
    positions: consumerPositions,
    consumers: [{ name: ordersConsumerName, owner: "orders", handlers: ordersHandlers, maxDeliver: deps.maxDeliver }],
    context: ({ consumers, readModel }): ReportingContext => {
      const consumer = consumers[ordersConsumerName];
      return { ...deps, readModel, ...(consumer ? { rebuild: () => rebuildReadModels(deps.db, consumer, ordersConsumerName) } : {}) };
    },
  });
}
