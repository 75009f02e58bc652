/** Entry for `bun run workers/inventory/main.ts`: config, DB, serve. */
import { runWorkerMain } from "../../shared/main";
import { inventoryConfigSchema } from "./config";
import * as schema from "./schema";
import { createInventoryWorker } from "./worker";

await runWorkerMain({
  worker: "inventory",
  configSchema: inventoryConfigSchema,
  schema,
  create: ({ db, logger }) => createInventoryWorker({ db, logger, now: () => new Date() }),
});
