/** Entry for `bun run workers/payments/main.ts`: config, DB, bus, serve. */
import { runWorkerMain } from "../../shared/main";
import { createNatsConnection } from "../../shared/events/nats";
import { paymentsConfigSchema } from "./config";
import * as schema from "./schema";
import { createPaymentsWorker } from "./worker";

await runWorkerMain({
  worker: "payments",
  configSchema: paymentsConfigSchema,
  schema,
  create: ({ db, logger, config, identity, bodyLimitBytes, natsAuth }) =>
    createPaymentsWorker({ db, logger, now: () => new Date(), identity, bodyLimitBytes, nats: createNatsConnection({ url: config.NATS_URL, name: "payments", logger, ...natsAuth }) }),
});
