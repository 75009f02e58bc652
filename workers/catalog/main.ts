/** Entry for `bun run workers/catalog/main.ts`: config, DB, bus, serve. */
import { runWorkerMain } from "../../shared/main";
import { createNatsConnection } from "../../shared/events/nats";
import { catalogConfigSchema } from "./config";
import * as schema from "./schema";
import { createCatalogWorker } from "./worker";

await runWorkerMain({
  worker: "catalog",
  configSchema: catalogConfigSchema,
  schema,
  create: ({ db, logger, config }) =>
    createCatalogWorker({ db, logger, now: () => new Date(), nats: createNatsConnection({ url: config.NATS_URL, name: "catalog", logger }) }),
});
