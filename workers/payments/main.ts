/** Entry for `bun run workers/payments/main.ts`: config, DB, bus, serve. */
import { runWorkerMain } from "../../shared/worker/main";
import { paymentsConfigSchema } from "./config";
import * as schema from "./schema";
import { createPaymentsWorker } from "./worker";

await runWorkerMain({
  worker: "payments",
  configSchema: paymentsConfigSchema,
  schema,
  create: ({ base, db, config, nats }) => createPaymentsWorker({ ...base, db, now: () => new Date(), nats: nats(), maxDeliver: config.CONSUMER_MAX_DELIVER }),
});
