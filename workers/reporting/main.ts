/** Entry for `bun run workers/reporting/main.ts`: config, DB, bus, serve. */
import { runWorkerMain } from "../../shared/worker/main";
import { reportingConfigSchema } from "./config";
import * as schema from "./schema";
import { createReportingWorker } from "./worker";

await runWorkerMain({
  worker: "reporting",
  configSchema: reportingConfigSchema,
  schema,
  create: ({ base, db, config, nats }) => createReportingWorker({ ...base, db, now: () => new Date(), nats: nats(), maxDeliver: config.CONSUMER_MAX_DELIVER }),
});
