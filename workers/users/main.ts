/** Entry for `bun run workers/users/main.ts`: config, DB, bus, serve. */
import { runWorkerMain } from "../../shared/worker/main";
import { usersConfigSchema } from "./config";
import * as schema from "./schema";
import { createUsersWorker } from "./worker";

await runWorkerMain({
  worker: "users",
  configSchema: usersConfigSchema,
  schema,
  create: ({ base, db, nats }) => createUsersWorker({ ...base, db, now: () => new Date(), nats: nats() }),
});
