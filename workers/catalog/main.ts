/** Entry for `bun run workers/catalog/main.ts`: config, DB, bus, serve. */
import { runWorkerMain } from "../../shared/worker/main";
import { catalogConfigSchema } from "./config";
import * as schema from "./schema";
import { createCatalogWorker } from "./worker";

await runWorkerMain({
  worker: "catalog",
  configSchema: catalogConfigSchema,
  schema,
  create: ({ base, db, nats }) => createCatalogWorker({ ...base, db, now: () => new Date(), nats: nats() }),
});
