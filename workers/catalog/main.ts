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
  create: ({ db, logger, config, identity, bodyLimitBytes, natsAuth }) =>
    createCatalogWorker({ db, logger, now: () => new Date(), identity, bodyLimitBytes, nats: createNatsConnection({ url: config.NATS_URL, name: "catalog", logger, ...natsAuth }) }),
});
