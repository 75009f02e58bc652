/** Entry for `bun run workers/users/main.ts`: config, DB, serve. */
import { runWorkerMain } from "../../shared/main";
import { usersConfigSchema } from "./config";
import * as schema from "./schema";
import { createUsersWorker } from "./worker";

await runWorkerMain({
  worker: "users",
  configSchema: usersConfigSchema,
  schema,
  create: ({ db, logger }) => createUsersWorker({ db, logger, now: () => new Date() }),
});
