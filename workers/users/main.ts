/** Entry for `bun run workers/users/main.ts`: config, DB, bus, serve. */
import { runWorkerMain } from "../../shared/main";
import { createNatsConnection } from "../../shared/events/nats";
import { usersConfigSchema } from "./config";
import * as schema from "./schema";
import { createUsersWorker } from "./worker";

await runWorkerMain({
  worker: "users",
  configSchema: usersConfigSchema,
  schema,
  create: ({ db, logger, config, identity, bodyLimitBytes, natsAuth }) =>
    createUsersWorker({ db, logger, now: () => new Date(), identity, bodyLimitBytes, nats: createNatsConnection({ url: config.NATS_URL, name: "users", logger, ...natsAuth }) }),
});
