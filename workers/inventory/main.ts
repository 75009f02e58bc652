/** Entry for `bun run workers/inventory/main.ts`: config, DB, bus, serve. */
import { runWorkerMain } from "../../shared/main";
import { createNatsConnection } from "../../shared/events/nats";
import { inventoryConfigSchema } from "./config";
import * as schema from "./schema";
import { createInventoryWorker } from "./worker";

await runWorkerMain({
  worker: "inventory",
  configSchema: inventoryConfigSchema,
  schema,
  create: ({ db, logger, config, identity, bodyLimitBytes, natsAuth }) =>
    createInventoryWorker({ db, logger, now: () => new Date(), identity, bodyLimitBytes, nats: createNatsConnection({ url: config.NATS_URL, name: "inventory", logger, ...natsAuth }) }),
});
