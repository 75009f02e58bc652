/** Entry for `bun run workers/reporting/main.ts`: config, DB, bus, serve. */
import { runWorkerMain } from "../../shared/main";
import { createNatsConnection } from "../../shared/events/nats";
import { reportingConfigSchema } from "./config";
import * as schema from "./schema";
import { createReportingWorker } from "./worker";

await runWorkerMain({
  worker: "reporting",
  configSchema: reportingConfigSchema,
  schema,
  create: ({ db, logger, config, identity, bodyLimitBytes, natsAuth }) =>
    createReportingWorker({
      db,
      logger,
      now: () => new Date(),
      identity,
      bodyLimitBytes,
      nats: createNatsConnection({ url: config.NATS_URL, name: "reporting", logger, ...natsAuth }),
      maxDeliver: config.CONSUMER_MAX_DELIVER,
    }),
});
