/** Entry for `bun run workers/catalog/main.ts`: config, DB, serve. */
import { runWorkerMain } from "../../shared/main";
import { catalogConfigSchema } from "./config";
import * as schema from "./schema";
import { createCatalogWorker } from "./worker";

await runWorkerMain({
  worker: "catalog",
  configSchema: catalogConfigSchema,
  schema,
  create: ({ db, logger }) => createCatalogWorker({ db, logger, now: () => new Date() }),
});
