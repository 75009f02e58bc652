/** Entry for `bun run workers/inventory/main.ts`: config, DB, bus, serve. */
import { runWorkerMain } from "../../shared/worker/main";
import { inventoryConfigSchema } from "./config";
import * as schema from "./schema";
import { createInventoryWorker } from "./worker";

await runWorkerMain({
  worker: "inventory",
  configSchema: inventoryConfigSchema,
  schema,
  create: ({ base, db, config, nats }) => createInventoryWorker({ ...base, db, now: () => new Date(), nats: nats(), maxDeliver: config.CONSUMER_MAX_DELIVER }),
});
